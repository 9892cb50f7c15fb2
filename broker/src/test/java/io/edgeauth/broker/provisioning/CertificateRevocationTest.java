package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device provisioned by an older broker, whose store kept only the CA's id, gets its certificate remembered when it
 * next shows its chain; from then on its CA's CRL cuts it with or without {@code x5c}, across a restart.
 */
class CertificateRevocationTest {
    @TempDir
    Path dir;

    @Test
    void aMarkFromAnOlderBrokerLearnsItsCertificateWhenTheChainIsShownAgain() throws Exception {
        FleetPki pki = new FleetPki("upgrade fleet CA");
        FleetPki.Issued device = pki.device("up-1");
        JsonObject ca = new JsonObject().put("id", "acme").put("certificate", FleetPki.pem(pki.caCertificate()));
        Map<String, String> env = Map.of("EDGEAUTH_COAP_PORT", "-1");
        String credential;
        try (Broker older = Broker.start(TestBrokers.config(dir.resolve("data"), env))) {
            credential = older.newAdminCredential().orElseThrow(); // made at the first start only
            Http admin = new Http("http://127.0.0.1:" + older.httpPort(), credential);
            assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
            assertThat(token(older, device, true).statusCode()).isEqualTo(200);
        }
        try (MvStoreStore store = new MvStoreStore(dir.resolve("data").resolve("state.mv.db"), Clock.systemUTC())) {
            store.put(DeviceEnrollment.PROVISIONED_BY, "up-1", "ca:acme".getBytes(StandardCharsets.UTF_8), null);
        }
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), env))) {
            Http admin = new Http("http://127.0.0.1:" + broker.httpPort(), credential);
            assertThat(token(broker, device, false).statusCode()).isEqualTo(200);
            assertThat(token(broker, device, true).statusCode()).as("the chain shown once more").isEqualTo(200);
            ca.put("crl", FleetPki.pem(pki.crl(device.cert())));
            assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
            HttpResponse<String> plain = token(broker, device, false);
            assertThat(plain.statusCode()).as(plain.body()).isEqualTo(401);
            assertThat(plain.body()).contains("revoked").contains("CRL");
        }
    }

    private static HttpResponse<String> token(Broker broker, FleetPki.Issued device, boolean withChain) throws Exception {
        return ZeroTouchTest.tokenFrom(broker, "up-1", device.keys().getPrivate(),
                withChain ? List.of(device.cert()) : List.of());
    }
}
