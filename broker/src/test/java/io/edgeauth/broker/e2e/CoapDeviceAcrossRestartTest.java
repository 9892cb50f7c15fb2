package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device on the SDK over DTLS keeps working across a broker restart without its application doing anything.
 * <ul>
 *   <li>After a clean stop the broker restores the DTLS sessions it kept ({@code coap.keepDtlsSessions}): the
 *       device's next request goes through on its session, is refused 4.01 (the token binding is not kept), and
 *       the client uploads its token and sends again; its observation, re-registering after Max-Age, does the same.</li>
 *   <li>Without them (a {@code kill -9}, or the setting off) the restarted broker knows neither the DTLS session, nor
 *       the token, nor the Observe relation, and drops the session's records unanswered. The client notices the
 *       first request that goes unanswered, starts a new handshake, uploads its token again and registers its
 *       observation anew. A device that only sends sees that one request fail; the next goes through.</li>
 * </ul>
 * Commands waiting for a device that is away, parked for {@code coap.commandRetention}, outlive a clean restart too,
 * and a device observing when the broker stopped gets the commands published before it registers again.
 */
class CoapDeviceAcrossRestartTest {
    @TempDir
    Path dataDir;

    @Test
    void withTheSessionsKeptDevicesGoOnWithoutAHandshakeAfterACleanRestart() throws Exception {
        Map<String, String> env = Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(FreePorts.tcp()),
                "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(FreePorts.udp()),
                "EDGEAUTH_COAP_NOTIFICATION_MAX_AGE", "2s");
        Path kept = dataDir.resolve("coap-dtls-sessions.bin");
        List<String> commands = new CopyOnWriteArrayList<>();
        String credential;
        DeviceCoapClient coap;
        try (Broker before = Broker.start(TestBrokers.config(dataDir, env))) {
            credential = before.newAdminCredential().orElseThrow();
            // the standard CoAP timeouts: a request the broker dropped would fail only after a minute or more
            coap = device(before, credential, "kept-coap", null);
            coap.uploadToken().get(10, TimeUnit.SECONDS);
            coap.observeCommands(c -> commands.add(new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
            assertThat(kept).doesNotExist();
        }
        assertThat(kept).exists();
        try (Broker after = Broker.start(TestBrokers.config(dataDir, env)); coap) {
            assertThat(kept).as("read once, then gone").doesNotExist();
            Http admin = new Http("http://localhost:" + after.httpPort(), credential);
            assertThat(metric(admin, "edgeauth_coap_dtls_sessions_restored")).isEqualTo(1.0);
            coap.publishTelemetry("t", "1".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(metric(admin, "edgeauth_coap_observers"))
                    .as("the device registered its observation with the restarted broker").isEqualTo(1.0));
            sendCommand(admin, "kept-coap", "valve", "open");
            await().atMost(Duration.ofSeconds(10)).until(() -> commands.contains("open"));
        }
        // a changed PSK master makes the kept sessions unreadable: nothing restored, the file gone all the same
        assertThat(kept).exists();
        Files.write(dataDir.resolve("coap-psk-master.key"), DerivedPskStore.derive(new byte[32], "another master"));
        try (Broker again = Broker.start(TestBrokers.config(dataDir, env))) {
            assertThat(kept).doesNotExist();
            assertThat(metric(new Http("http://localhost:" + again.httpPort(), credential),
                    "edgeauth_coap_dtls_sessions_restored")).isZero();
        }
    }

    @Test
    void commandsWaitingForADeviceOutliveACleanRestart() throws Exception {
        Map<String, String> env = Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(FreePorts.tcp()),
                "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(FreePorts.udp()));
        List<String> commands = new CopyOnWriteArrayList<>();
        List<String> presentCommands = new CopyOnWriteArrayList<>();
        String credential;
        DeviceCoapClient coap;
        DeviceCoapClient present;
        try (Broker before = Broker.start(TestBrokers.config(dataDir, env))) {
            credential = before.newAdminCredential().orElseThrow();
            coap = device(before, credential, "away-coap", null);
            coap.uploadToken().get(10, TimeUnit.SECONDS);
            coap.observeCommands(c -> commands.add(c.path() + "=" + new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS).close(); // the device goes away
            Http admin = new Http("http://localhost:" + before.httpPort(), credential);
            await().atMost(Duration.ofSeconds(5)).until(() -> metric(admin, "edgeauth_coap_observers_parked") == 1.0);
            assertThat(sendCommand(admin, "away-coap", "valve", "close")).as("it waits for the device").isEqualTo(1);
            present = device(before, credential, "present-coap", null); // observing when the broker stops
            present.uploadToken().get(10, TimeUnit.SECONDS);
            present.observeCommands(c -> presentCommands.add(new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
        }
        try (Broker after = Broker.start(TestBrokers.config(dataDir, env)); coap; present) {
            Http admin = new Http("http://localhost:" + after.httpPort(), credential);
            assertThat(dataDir.resolve("coap-commands.bin")).as("read once, then gone").doesNotExist();
            assertThat(metric(admin, "edgeauth_coap_observers_parked")).isEqualTo(2.0);
            assertThat(sendCommand(admin, "away-coap", "fan", "on")).as("the restored subscription takes it").isEqualTo(1);
            assertThat(sendCommand(admin, "present-coap", "lamp", "off")).as("so for the one observing").isEqualTo(1);
            coap.uploadToken().get(10, TimeUnit.SECONDS); // on the DTLS session the broker kept
            coap.observeCommands(c -> commands.add(c.path() + "=" + new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> commands.size() == 2);
            assertThat(commands).containsExactly("valve=close", "fan=on");
            present.uploadToken().get(10, TimeUnit.SECONDS); // what its observation does by itself after Max-Age
            present.observeCommands(c -> presentCommands.add(new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> presentCommands.contains("off"));
        }
    }

    /**
     * A newly registered device's SDK client over DTLS-PSK to {@code broker}, with a CWT from it (not uploaded yet),
     * with Californium's standard configuration or {@code config}.
     */
    private DeviceCoapClient device(Broker broker, String credential, String id, Configuration config) throws Exception {
        String base = "http://localhost:" + broker.httpPort();
        DeviceIdentity device = TestDevices.register(new Http(base, credential), id);
        byte[] master = Files.readAllBytes(dataDir.resolve("coap-psk-master.key"));
        DeviceCoapClient.Builder b = DeviceCoapClient.builder()
                .serverUri(URI.create("coaps://127.0.0.1:" + broker.coapDtlsPort())).identity(device)
                .psk(DerivedPskStore.derive(master, id)).token(DeviceFixtures.token(base, device, TokenFormat.CWT));
        return (config == null ? b : b.configuration(config)).build();
    }

    private static int sendCommand(Http admin, String device, String topic, String payload) {
        var r = admin.postJson("/admin/devices/" + device + "/commands",
                new JsonObject().put("topic", topic).put("payload", payload).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return new JsonObject(r.body()).getInteger("subscribers");
    }

    @Test
    void withoutTheSessionsDevicesHandshakeAgainWhenRequestsGoUnanswered() throws Exception {
        Map<String, String> env = Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(FreePorts.tcp()),
                "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(FreePorts.udp()),
                "EDGEAUTH_COAP_NOTIFICATION_MAX_AGE", "2s", "EDGEAUTH_COAP_KEEP_DTLS_SESSIONS", "false");
        // short CoAP timeouts so the stale session is noticed in seconds, not the standard minute and a half
        Configuration quick = Configuration.createStandardWithoutFile();
        quick.set(CoapConfig.ACK_TIMEOUT, 300, TimeUnit.MILLISECONDS);
        quick.set(CoapConfig.MAX_RETRANSMIT, 2);
        List<String> commands = new CopyOnWriteArrayList<>();
        String credential;
        DeviceCoapClient coap;
        DeviceCoapClient sender;
        try (Broker before = Broker.start(TestBrokers.config(dataDir, env))) {
            credential = before.newAdminCredential().orElseThrow();
            coap = device(before, credential, "restart-coap", quick);
            coap.uploadToken().get(10, TimeUnit.SECONDS);
            coap.publishTelemetry("t", "1".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            coap.observeCommands(c -> commands.add(new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
            sender = device(before, credential, "restart-coap-sender", quick);
            sender.publishTelemetry("t", "1".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        }
        try (Broker after = Broker.start(TestBrokers.config(dataDir, env)); coap; sender) {
            // a device that only sends: its request's first two transmissions are dropped on the lost session, the
            // third goes over a new handshake, is refused 4.01 and sent again after the token's upload; the caller
            // sees it go through (before the SDK renewed sessions on silence, it failed with `timeout`)
            sender.publishTelemetry("t", "2".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);

            Http admin = new Http("http://localhost:" + after.httpPort(), credential);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(metric(admin, "edgeauth_coap_observers"))
                    .as("the device registered its observation with the restarted broker").isEqualTo(1.0));
            sendCommand(admin, "restart-coap", "valve", "open");
            await().atMost(Duration.ofSeconds(10)).until(() -> commands.contains("open"));
            coap.publishTelemetry("t", "2".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        }
    }

    private static double metric(Http admin, String name) {
        return admin.get("/metrics").body().lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(name.length() + 1))).orElse(-1.0);
    }


}
