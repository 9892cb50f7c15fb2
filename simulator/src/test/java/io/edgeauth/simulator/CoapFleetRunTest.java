package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.SimulatorRuns.Outcome;
import io.edgeauth.simulator.report.RunResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small CoAP and CoAP/DTLS fleets (alone and mixed with MQTT) through the whole flow against a real broker in this JVM. */
class CoapFleetRunTest {
    @TempDir
    static Path dir;
    static InProcessBroker broker;
    static int mqttTlsPort;

    @BeforeAll
    static void start() throws Exception {
        // a server key for raw-public-key handshakes (coap.rawPublicKeys is on by default), made by the JDK's keytool
        Path keyStore = dir.resolve("coap-server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "server", "-dname", "CN=localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String keytoolOut = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(keytoolOut).isZero();
        java.nio.file.Files.setPosixFilePermissions(keyStore, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")); // the broker refuses a server key others can read
        // the observer (one wallet principal) publishes a command to every observing device: room for a fleet's rate
        Path fleetCa = dir.resolve("fleet-ca.pem");
        java.nio.file.Files.write(fleetCa, new io.edgeauth.simulator.fleet.FleetCa(InProcessBroker.SEED).pemBytes());
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            mqttTlsPort = free.getLocalPort();
        }
        Map<String, String> env = new java.util.HashMap<>(Map.of("EDGEAUTH_COAP_TRUST_STORE", fleetCa.toString(),
                "EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "30s", "EDGEAUTH_RATE_PLANS",
                "{\"default\":{\"messagesPerSecond\":1000,\"burst\":1000,\"bytesPerSecond\":10000000}}",
                "EDGEAUTH_COAP_KEY_STORE", keyStore.toString(), "EDGEAUTH_COAP_KEY_STORE_PASSWORD", "changeit"));
        // MQTT over TLS with the same server key; device certificates from the fleet CA requested, not required
        env.putAll(Map.of("EDGEAUTH_MQTT_TLS_PORT", Integer.toString(mqttTlsPort), "EDGEAUTH_MQTT_KEY_STORE", keyStore.toString(),
                "EDGEAUTH_MQTT_KEY_STORE_PASSWORD", "changeit", "EDGEAUTH_MQTT_TRUST_STORE", fleetCa.toString(),
                "EDGEAUTH_MQTT_CLIENT_AUTH", "request"));
        env.put("EDGEAUTH_REGION_GEOHASH", "u33d"); // wrong-region chaos devices are registered elsewhere
        broker = new InProcessBroker(dir, env);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void dtlsPskFleetWithJwtsFromHttpRefusesEveryChaosKindAndDeliversEveryMessage() throws Exception {
        Outcome o = SimulatorRuns.run(broker, dir, "coap-psk", "--protocol", "coap", "--coap", broker.coaps(),
                "--devices", "50", "--arrival-rate", "25", "--concurrency", "25", "--messages", "2", "--observer", "--coap-observe",
                "--chaos-share", "0.2", "--chaos-kinds", "expired,revoked,wrong-tenant,wrong-region,forged,replayed", "--other-tenant", "other",
                "--broker-region", "u33d", "--expired-wait", "1s", "--local-addrs", "4");
        RunResult.Totals t = o.result().totals();
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(t.devices()).isEqualTo(50);
        assertThat(t.chaosDevices()).isBetween(3L, 25L);
        assertThat(t.chaosRefused()).isEqualTo(t.chaosDevices());
        Map<String, String> expected = Map.of("coap-expired", "authz:expired", "coap-revoked", "authz:revoked",
                "coap-wrong-tenant", "authz:revoked", "coap-wrong-region", "authz:outside_region", "coap-forged", "authz:bad_signature",
                "coap-replayed", "token:replayed");
        assertThat(o.result().chaos()).hasSizeGreaterThanOrEqualTo(3).containsKey("coap-wrong-region");
        o.result().chaos().forEach((kind, tally) -> assertThat(tally.expected()).as(kind).isEqualTo(expected.get(kind)));
        long honest = 50 - t.chaosDevices();
        assertThat(t.honestAccepted()).isEqualTo(honest);
        assertThat(t.honestCompleted()).isEqualTo(honest);
        assertThat(t.published()).isEqualTo(2 * honest);
        assertThat(t.acked()).isEqualTo(2 * honest);
        assertThat(t.delivered()).isEqualTo(2 * honest); // CoAP telemetry reached the MQTT observer
        assertThat(o.result().failures()).isEmpty();
        Map<String, RunResult.StageStats> st = o.result().stages();
        assertThat(st.get("authz").count()).isEqualTo(honest);
        assertThat(st.get("coap_post").count()).isEqualTo(2 * honest);
        assertThat(st.get("observe").count()).isEqualTo(honest);
        assertThat(st.get("handshake").count()).isGreaterThanOrEqualTo(honest); // chaos devices that reach the broker handshake too
        assertThat(st.get("connect").count()).isZero(); // no MQTT device
        assertThat(o.text()).contains("summary: PASS devices=50").contains("p99.authz=");
    }

    @Test
    void revocationWaveDropsCoapSessionsAndEveryCommandArrivesThroughObserve() throws Exception {
        // 30 DTLS devices observe /d/{id}/down, each gets one command from the observer's MQTT session, then
        // holds; 4 s in, 10 of them are revoked: each must see its relation end (4.01) and its next request refused
        Outcome o = SimulatorRuns.run(broker, dir, "coap-wave", "--protocol", "coap", "--coap", broker.coaps(),
                "--coap-security", "psk", "--scenario", "revocation", "--devices", "30", "--arrival-rate", "30",
                "--concurrency", "30", "--hold", "12s", "--revoke-at", "2s", "--revoke-count", "10", "--coap-observe",
                "--coap-commands", "--observer", "--local-addrs", "3");
        RunResult.Totals t = o.result().totals();
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.text()).contains("revocation wave: revoking 10 live devices");
        assertThat(t.revokedLive()).isEqualTo(10);
        assertThat(o.result().stages().get("revocation_drop").count()).isEqualTo(10);
        assertThat(t.honestCompleted()).isEqualTo(20);
        assertThat(t.commandsSent()).isEqualTo(30);
        assertThat(t.commandsReceived()).isEqualTo(30);
        assertThat(o.result().stages().get("command").count()).isEqualTo(30);
        assertThat(t.delivered()).isEqualTo(30); // telemetry reached the observer; the probes after revocation did not count
        assertThat(o.result().failures()).isEmpty();
        assertThat(o.text()).contains("commands=30/30").contains("p99.revocation_drop=");
    }

    @Test
    void mixedFleetWithCwtsFromTheCoapTokenEndpoint() throws Exception {
        Outcome o = SimulatorRuns.run(broker, dir, "mixed", "--protocol", "mqtt=1,coap=1", "--coap", broker.coaps(),
                "--coap-token", "coap", "--token-format", "cwt", "--devices", "40", "--arrival-rate", "40", "--concurrency", "20",
                "--observer", "--chaos-share", "0.15", "--chaos-kinds", "revoked,replayed");
        RunResult.Totals t = o.result().totals();
        Map<String, RunResult.StageStats> st = o.result().stages();
        assertThat(o.code()).as(o.text()).isZero();
        long honest = 40 - t.chaosDevices();
        assertThat(t.honestCompleted()).isEqualTo(honest);
        assertThat(t.delivered()).isEqualTo(t.published()).isEqualTo(honest);
        long coapHonest = st.get("authz").count();
        long mqttHonest = st.get("connect").count();
        assertThat(coapHonest).isPositive();
        assertThat(mqttHonest).isPositive();
        assertThat(coapHonest + mqttHonest).isEqualTo(honest);
        assertThat(st.get("coap_token").count()).isEqualTo(coapHonest); // CWTs from CoAP /token, not HTTP
        assertThat(st.get("coap_post").count()).isEqualTo(coapHonest);
        assertThat(st.get("publish").count()).isEqualTo(mqttHonest);
        assertThat(o.result().parameters().get("protocols")).isEqualTo("mqtt=0.5000,coap=0.5000");
    }

    @Test
    void mixedFleetWithEncryptedCwts() throws Exception {
        Outcome o = SimulatorRuns.run(broker, dir, "encrypted", "--protocol", "mqtt=1,coap=1", "--coap", broker.coaps(),
                "--coap-token", "coap", "--token-format", "cwt-encrypted", "--devices", "20", "--arrival-rate", "20",
                "--concurrency", "10", "--observer");
        assertThat(o.code()).as(o.text()).isZero();
        RunResult.Totals t = o.result().totals();
        assertThat(t.honestCompleted()).isEqualTo(20);
        assertThat(t.delivered()).isEqualTo(t.published()).isEqualTo(20);
        assertThat(o.result().parameters().get("tokenFormat")).isEqualTo("CWT_ENCRYPTED");
    }

    @Test
    void bulkOnboardedFleetWithIssuerTokensStaysAuthorizedOnTheBrokerWhenAbandoned() throws Exception {
        Outcome o = SimulatorRuns.run(broker, dir, "held", "--protocol", "coap", "--coap", broker.coaps(), "--coap-security", "psk", "--onboarding", "bulk",
                "--token-source", "issuer", "--token-lifetime", "10m", "--coap-end", "abandon", "--devices", "30",
                "--arrival-rate", "30", "--local-addrs", "3", "--observer");
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.text()).contains("bulk import: 30 devices").contains("created=30");
        assertThat(o.result().totals().delivered()).isEqualTo(30);
        assertThat(o.result().parameters().get("onboarding")).isEqualTo("bulk");
        assertThat(o.result().stages().get("register").count()).isZero(); // no admin call per device
        // every device's token stays bound on the broker after the simulator dropped its socket
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(broker.url + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        double sessions = metrics.body().lines().filter(l -> l.startsWith("edgeauth_coap_sessions "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
        assertThat(sessions).as(metrics.body()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void rawPublicKeyDevicesAuthenticateTheirDtlsSessionWithTheirOwnKey() throws Exception {
        Outcome o = SimulatorRuns.run(broker, dir, "rpk", "--protocol", "coap", "--coap", broker.coaps(), "--coap-security", "rpk",
                "--devices", "12", "--arrival-rate", "12", "--messages", "2", "--observer", "--chaos-share", "0.25",
                "--chaos-kinds", "forged,revoked");
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.result().totals().chaosRefused()).isEqualTo(o.result().totals().chaosDevices());
        assertThat(o.result().totals().delivered()).isEqualTo(2 * (12 - o.result().totals().chaosDevices()));
        assertThat(o.result().stages().get("handshake").count()).isGreaterThanOrEqualTo(12 - o.result().totals().chaosDevices());
        assertThat(o.result().parameters().get("coap").toString()).contains(" rpk ");
    }

    @Test
    void x509DevicesPresentCertificatesFromTheFleetCa() throws Exception {
        // the broker trusts the fleet CA (coap.trustStore = the PEM 'fleet-ca' writes); each device's certificate is
        // made over its own key when its session starts; forged and revoked chaos devices are still refused
        Outcome o = SimulatorRuns.run(broker, dir, "x509", "--protocol", "coap", "--coap", broker.coaps(), "--coap-security", "x509",
                "--devices", "16", "--arrival-rate", "16", "--messages", "2", "--observer", "--chaos-share", "0.25",
                "--chaos-kinds", "forged,revoked");
        assertThat(o.code()).as(o.text()).isZero();
        long honest = 16 - o.result().totals().chaosDevices();
        assertThat(o.result().totals().chaosRefused()).isEqualTo(o.result().totals().chaosDevices());
        assertThat(o.result().totals().delivered()).isEqualTo(2 * honest);
        assertThat(o.result().stages().get("handshake").count()).isGreaterThanOrEqualTo(honest);
        assertThat(o.result().parameters().get("coap").toString()).contains(" x509 ");
    }

    @Test
    void x509DevicesOfAnotherFleetCaAreRefusedInTheHandshake() throws Exception {
        Outcome o = SimulatorRuns.runWithSeed(broker, dir, "another-ca", "x509-other", "--protocol", "coap", "--coap", broker.coaps(),
                "--coap-security", "x509", "--devices", "4", "--arrival-rate", "20", "--no-metrics", "--connect-timeout", "5s");
        assertThat(o.code()).as(o.text()).isEqualTo(SimulatorCli.FAILED);
        assertThat(o.result().totals().honestAccepted()).isZero();
        assertThat(o.result().failures().keySet()).allMatch(k -> k.equals("authz:timeout") || k.equals("authz:send_error"));
    }

    @Test
    void mqttDevicesOverTlsAndMutualTlsWithFleetCertificates() throws Exception {
        for (String mode : new String[] {"tls", "mtls"}) {
            Outcome o = SimulatorRuns.run(broker, dir, "mqtt-" + mode, "--mqtt", "127.0.0.1:" + mqttTlsPort, "--mqtt-tls", mode,
                    "--devices", "12", "--arrival-rate", "12", "--messages", "2", "--observer", "--chaos-share", "0.25",
                    "--chaos-kinds", "forged,revoked");
            assertThat(o.code()).as(o.text()).isZero();
            RunResult.Totals t = o.result().totals();
            assertThat(t.chaosRefused()).isEqualTo(t.chaosDevices());
            assertThat(t.delivered()).isEqualTo(2 * (12 - t.chaosDevices()));
            assertThat(o.result().stages().get("connect").count()).isEqualTo(12 - t.chaosDevices());
            assertThat(o.result().parameters().get("mqttTls")).isEqualTo(mode);
        }
    }

    @Test
    void plainCoapFleet() throws Exception {
        Outcome o = SimulatorRuns.run(broker, dir, "plain", "--protocol", "coap", "--coap", broker.coap(), "--coap-security",
                "none", "--devices", "10", "--arrival-rate", "20", "--messages", "3", "--observer");
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.result().totals().delivered()).isEqualTo(30);
        assertThat(o.result().stages().get("handshake").count()).isZero();
    }

    @Test
    void devicesWhosePskTheBrokerDoesNotDeriveFailTheRun() throws Exception {
        // another seed: the devices register and get tokens over HTTP, but their DTLS PSKs are not the broker's
        Outcome o = SimulatorRuns.runWithSeed(broker, dir, "another-seed", "wrong-psk", "--protocol", "coap", "--coap", broker.coaps(),
                "--devices", "5", "--arrival-rate", "20", "--no-metrics", "--connect-timeout", "5s");
        assertThat(o.code()).as(o.text()).isEqualTo(SimulatorCli.FAILED);
        assertThat(o.result().totals().honestAccepted()).isZero();
        assertThat(o.result().failures().keySet()).allMatch(k -> k.equals("authz:timeout") || k.equals("authz:send_error"));
        assertThat(o.result().failures().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(5);
    }
}
