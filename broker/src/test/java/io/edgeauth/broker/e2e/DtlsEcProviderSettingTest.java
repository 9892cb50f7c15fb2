package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.provisioning.Herd;
import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.CoapGateway;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crypto.useNativeProvider} decides who computes the DTLS handshakes' EC key pairs, ECDH and ECDSA in a
 * broker process ({@code /health} {@code dtlsEcProvider}), and a device completes its handshake either way.
 */
class DtlsEcProviderSettingTest {
    @TempDir
    Path dir;

    @Test
    void byDefaultTheHandshakesEcOperationsRunOnAccp() throws Exception {
        assumeThat(CryptoProviders.accpAvailable()).as("ACCP must load on this platform").isTrue();
        assertThat(startUploadAndReadHealth("native", Map.of()).getString("dtlsEcProvider"))
                .isEqualTo("AmazonCorrettoCryptoProvider");
    }

    @Test
    void useNativeProviderFalseLeavesThemOnTheJdk() throws Exception {
        JsonObject health = startUploadAndReadHealth("jdk", Map.of("EDGEAUTH_CRYPTO_USE_NATIVE_PROVIDER", "false"));
        assertThat(health.getString("dtlsEcProvider")).isEqualTo(CryptoProviders.JDK_NAME);
        assertThat(health.getString("cryptoProvider")).isEqualTo(CryptoProviders.JDK_NAME);
    }

    private JsonObject startUploadAndReadHealth(String name, Map<String, String> extra) throws Exception {
        int dtlsPort = FreePorts.udp();
        Path data = dir.resolve(name);
        Map<String, String> env = new HashMap<>(extra);
        env.put("EDGEAUTH_COAP_PORT", "-1");
        env.put("EDGEAUTH_COAP_DTLS_PORT", Integer.toString(dtlsPort));
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(data, env), List.of("-Xmx256m"),
                ProcessBuilder.Redirect.DISCARD);
        try (CoapGateway gateway = CoapGateway.create(1)) {
            byte[] pskMaster = Files.readAllBytes(data.resolve("coap-psk-master.key"));
            DeviceIdentity device = Herd.importFleet(broker, name + "-", 1).get(0);
            DeviceCoapClient client = DeviceCoapClient.builder().gateway(gateway)
                    .serverUri(URI.create("coaps://127.0.0.1:" + dtlsPort)).identity(device)
                    .psk(DerivedPskStore.derive(pskMaster, device.deviceId()))
                    .token(Herd.fetchTokens(broker, List.of(device), TokenFormat.CWT).get(0)).build();
            client.uploadToken().get(30, TimeUnit.SECONDS); // a DTLS handshake with the device's derived PSK first
            return new JsonObject(new Http(broker.url(), null).get("/health").body());
        } finally {
            broker.close();
        }
    }
}
