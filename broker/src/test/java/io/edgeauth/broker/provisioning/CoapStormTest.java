package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.CoapGateway;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Herds over CoAP against a broker process. Plain CoAP: 500 devices upload their CWTs to {@code /authz-info} at
 * once, against a broker whose admission lets 1 authentication run at a time. The edge authenticates on its pool,
 * so the uploads overlap: some are shed with 5.03 and Max-Age (counted), the SDK sends them again after it, and
 * every device ends authorized with every permit returned. (Before the pool, the edge authenticated on Californium's
 * protocol threads one upload at a time and none was shed.) DTLS: 200 devices start their PSK handshakes at once
 * against a broker that lets 16 run at once; ClientHellos are dropped (counted), the devices' DTLS retransmissions
 * bring them back, and every device ends authorized with no handshake left pending.
 */
class CoapStormTest {
    static final int DEVICES = 500;
    static final int DTLS_DEVICES = 200;
    @TempDir
    Path dir;

    @Test
    void everyDeviceEndsAuthorized() throws Exception {
        int coapPort = FreePorts.udp();
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(dir.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", Integer.toString(coapPort),
                "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000",
                "EDGEAUTH_ADMISSION_MAX_IN_FLIGHT_AUTHENTICATIONS", "1")),
                List.of("-Xmx512m"), ProcessBuilder.Redirect.DISCARD);
        try (CoapGateway gateway = CoapGateway.create(4)) {
            List<DeviceIdentity> fleet = Herd.importFleet(broker, "coap-storm-", DEVICES);
            List<AccessToken> tokens = Herd.fetchTokens(broker, fleet, TokenFormat.CWT);
            List<DeviceCoapClient> clients = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                clients.add(DeviceCoapClient.builder().gateway(gateway).serverUri(URI.create("coap://127.0.0.1:" + coapPort))
                        .identity(fleet.get(i)).token(tokens.get(i)).busyRetries(30).build());
            }
            String metrics = uploadAllAtOnce(broker, clients);
            assertThat(Herd.metric(metrics, "edgeauth_admission_shed_total\\{edge=\"coap\""))
                    .as("uploads shed with 5.03 and retried").isPositive();
            assertThat(Herd.metric(metrics, "edgeauth_admission_in_flight")).as("every permit returned").isZero();
        } finally {
            broker.close();
        }
    }

    @Test
    void aDtlsHerdIsShedBeforeItsHandshakesAndEveryDeviceEndsAuthorized() throws Exception {
        int dtlsPort = FreePorts.udp();
        Path data = dir.resolve("dtls-data");
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(data, Map.of(
                "EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(dtlsPort),
                "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000",
                "EDGEAUTH_ADMISSION_MAX_PENDING_TLS_HANDSHAKES", "16")),
                List.of("-Xmx512m"), ProcessBuilder.Redirect.DISCARD);
        try (CoapGateway gateway = CoapGateway.create(4)) {
            byte[] pskMaster = java.nio.file.Files.readAllBytes(data.resolve("coap-psk-master.key"));
            List<DeviceIdentity> fleet = Herd.importFleet(broker, "dtls-storm-", DTLS_DEVICES);
            List<AccessToken> tokens = Herd.fetchTokens(broker, fleet, TokenFormat.CWT);
            List<DeviceCoapClient> clients = new ArrayList<>();
            for (int i = 0; i < DTLS_DEVICES; i++) {
                clients.add(DeviceCoapClient.builder().gateway(gateway).serverUri(URI.create("coaps://127.0.0.1:" + dtlsPort))
                        .identity(fleet.get(i)).psk(DerivedPskStore.derive(pskMaster, fleet.get(i).deviceId()))
                        .token(tokens.get(i)).build());
            }
            String metrics = uploadAllAtOnce(broker, clients); // each upload starts its device's handshake
            assertThat(Herd.metric(metrics, "edgeauth_admission_handshakes_shed_total\\{edge=\"coap\""))
                    .as("ClientHellos dropped before their handshake").isPositive();
            assertThat(Herd.metric(metrics, "edgeauth_admission_tls_handshakes")).as("none left pending").isZero();
        } finally {
            broker.close();
        }
    }

    /**
     * The clients, built first, upload their tokens in one tight loop (so the uploads arrive together however fast
     * the machine is); every one must end accepted. Returns the broker's metrics afterwards.
     */
    private static String uploadAllAtOnce(BrokerProcess broker, List<DeviceCoapClient> clients) throws Exception {
        try {
            List<CompletableFuture<Void>> uploads = new ArrayList<>();
            for (DeviceCoapClient coap : clients) {
                uploads.add(coap.uploadToken());
            }
            assertThat(Herd.awaitAll(uploads)).isEmpty();
        } finally {
            clients.forEach(DeviceCoapClient::close);
        }
        String metrics = new Http(broker.url(), null).get("/metrics").body();
        assertThat(Herd.metric(metrics, "edgeauth_coap_authz_total\\{outcome=\"ok\""))
                .as("every device's token accepted").isEqualTo(clients.size());
        return metrics;
    }
}
