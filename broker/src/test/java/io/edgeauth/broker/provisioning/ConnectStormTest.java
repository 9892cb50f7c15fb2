package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thundering herd: a few thousand devices (bulk-imported) start at once against a broker process whose
 * HTTP queue is kept small, so it sheds with 503 + Retry-After, and whose admission control lets 2 MQTT
 * authentications run at once, so it sheds CONNECTs with 0x89 Server busy; the device SDK backs off with jitter
 * and every device ends with a token and a live MQTT session.
 */
class ConnectStormTest {
    static final int DEVICES = 2000;
    static final int TLS_DEVICES = 1000;
    @TempDir
    Path dir;

    @Test
    void everyDeviceEndsConnected() throws Exception {
        // One HTTP worker and room for 2 requests: the storm's arrival rate is the test thread's signing rate,
        // and a fast machine with 4 workers and 32 places kept up with it and never shed (a CI run saw 0 sheds).
        // One worker verifies, signs and commits each request on one core, slower than the client signs one
        // assertion, so the queue fills on any machine.
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(dir.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_HTTP_WORKER_THREADS", "1",
                "EDGEAUTH_HTTP_MAX_PENDING_REQUESTS", "2", "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000",
                "EDGEAUTH_ADMISSION_MAX_IN_FLIGHT_AUTHENTICATIONS", "2")),
                List.of("-Xmx512m"), ProcessBuilder.Redirect.DISCARD);
        try {
            List<DeviceIdentity> fleet = Herd.importFleet(broker, "storm-", DEVICES);
            List<AccessToken> tokens = Herd.fetchTokens(broker, fleet);

            // then every device connects at once: the broker admits 2 authentications at a time, sheds the
            // rest with CONNACK 0x89 and the SDK comes back after a jittered backoff
            List<DeviceMqttClient> clients = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                clients.add(DeviceMqttClient.builder().identity(fleet.get(i)).serverHost("127.0.0.1")
                        .serverPort(broker.mqttPort()).token(tokens.get(i)).busyRetries(30).build());
            }
            assertThat(Herd.connectAll(clients)).isEmpty();

            String metrics = new Http(broker.url(), null).get("/metrics").body();
            assertThat(Herd.metric(metrics, "edgeauth_http_shed_total")).as("the broker shed load (503 + Retry-After) and still served everyone")
                    .isGreaterThan(0);
            assertThat(Herd.metric(metrics, "edgeauth_admission_shed_total\\{edge=\"mqtt\"")).as("CONNECTs shed with 0x89")
                    .isGreaterThan(0);
            assertThat(Herd.metric(metrics, "edgeauth_mqtt_sessions\\{")).as("every device holds a session now")
                    .isEqualTo(DEVICES);
            CompletableFuture.allOf(clients.stream().map(DeviceMqttClient::disconnect).toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.MINUTES);
        } finally {
            broker.close();
        }
    }

    /**
     * The same herd over MQTT TLS, against a broker that lets 4 TLS handshakes run at once: the connections
     * beyond them are closed unread (no handshake work spent on them), the SDK comes back after a jittered
     * backoff, and every device ends with a live session.
     */
    @Test
    void aTlsHerdIsShedBeforeItsHandshakesAndEveryDeviceEndsConnected() throws Exception {
        FleetPki serverCa = new FleetPki("storm server CA");
        Path keyStore = io.edgeauth.broker.tls.TlsTestFiles.pkcs12(dir.resolve("server.p12"),
                io.edgeauth.broker.tls.TlsTestFiles.server(serverCa));
        int tlsPort = FreePorts.tcp();
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(dir.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_MQTT_TLS_PORT", Integer.toString(tlsPort),
                "EDGEAUTH_MQTT_KEY_STORE", keyStore.toString(),
                "EDGEAUTH_MQTT_KEY_STORE_PASSWORD", io.edgeauth.broker.tls.TlsTestFiles.PASS, "EDGEAUTH_MQTT_CLIENT_AUTH", "none",
                "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000",
                "EDGEAUTH_ADMISSION_MAX_PENDING_TLS_HANDSHAKES", "4")),
                List.of("-Xmx512m"), ProcessBuilder.Redirect.DISCARD);
        try {
            List<DeviceIdentity> fleet = Herd.importFleet(broker, "tls-storm-", TLS_DEVICES);
            List<AccessToken> tokens = Herd.fetchTokens(broker, fleet);
            java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", serverCa.caCertificate());
            List<DeviceMqttClient> clients = new ArrayList<>();
            for (int i = 0; i < TLS_DEVICES; i++) {
                clients.add(DeviceMqttClient.builder().identity(fleet.get(i)).serverHost("localhost").serverPort(tlsPort)
                        .trustStore(trusted).token(tokens.get(i)).busyRetries(30).build());
            }
            assertThat(Herd.connectAll(clients)).isEmpty();

            String metrics = new Http(broker.url(), null).get("/metrics").body();
            assertThat(Herd.metric(metrics, "edgeauth_admission_handshakes_shed_total\\{edge=\"mqtt\""))
                    .as("connections closed before their handshake").isGreaterThan(0);
            assertThat(Herd.metric(metrics, "edgeauth_admission_tls_handshakes\\{")).as("none pending now").isZero();
            assertThat(Herd.metric(metrics, "edgeauth_mqtt_sessions\\{")).as("every device holds a session now")
                    .isEqualTo(TLS_DEVICES);
            CompletableFuture.allOf(clients.stream().map(DeviceMqttClient::disconnect).toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.MINUTES);
        } finally {
            broker.close();
        }
    }
}
