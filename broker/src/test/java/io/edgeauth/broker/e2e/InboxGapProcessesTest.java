package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * A node away for longer than its inbox bound allows loses what was trimmed, and says so: B is SIGKILLed while
 * A publishes 1,600 QoS 1 messages for B's persistent session into B's inbox bounded at 1,000; restarted, B
 * counts the trimmed ones in {@code edgeauth_cluster_inbox_gap_total}, names the loss on {@code /health/ready},
 * and every message is either delivered to the session or counted as lost.
 */
class InboxGapProcessesTest {
    @TempDir
    Path dir;
    RedisNodes nodes;
    final ECKeyPair wallet = CrossNodeProcessesTest.createWallet();
    final String did = Wallets.did(wallet);
    /** The smallest inbox bound; a session queue and a rate plan that hold every message the test sends. */
    static final Map<String, String> SMALL_INBOX = Map.of("EDGEAUTH_STORE_INBOX_LENGTH", "1000",
            "EDGEAUTH_MQTT_OFFLINE_QUEUE_LENGTH", "5000", "EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":"
                    + "100000,\"burst\":100000,\"bytesPerSecond\":100000000}}");

    @AfterEach
    void stop() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void messagesTrimmedWhileTheNodeWasAwayAreCountedAndReported() throws Exception {
        nodes = RedisNodes.start(dir);
        BrokerProcess a = nodes.node("a", SMALL_INBOX);
        BrokerProcess b = nodes.node("b", SMALL_INBOX);
        DeviceIdentity identity = DeviceFixtures.register(new Http(a.url(), a.admin()), "gap-meter", did, List.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> new Http(b.url(), b.admin()).get("/admin/devices/gap-meter")
                .statusCode() == 200);
        AccessToken deviceToken = DeviceFixtures.token(a.url(), identity, TokenFormat.JWT);
        DeviceMqttClient meter = DeviceMqttClient.builder().identity(identity).serverHost("127.0.0.1")
                .serverPort(a.mqttPort()).token(deviceToken).build();
        meter.connect().get(10, TimeUnit.SECONDS);
        String token = Wallets.siweLogin(b.url(), wallet).getString("access_token");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient owner = owner(b, token, true, seen);
        owner.subscribeWith().topicFilter("d/gap-meter/up/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        CrossNodeProcessesTest.awaitRoute(meter, seen);
        // the route probes go on until one is seen, so a later one may still sit unread in B's inbox: trimmed
        // with the rest, it was counted lost though it is no m-message (a flake: "counted lost 556, missing
        // 554"). A QoS 1 fence behind them, seen, means B's group read everything before it.
        meter.publishTelemetry("kwh", "fence".getBytes(StandardCharsets.UTF_8), 1).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(15)).until(() -> seen.containsKey("fence"));

        b.process().destroyForcibly();
        assertThat(b.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        int total = 1600;
        for (int from = 0; from < total; from += 100) { // 100 in flight at a time: each acknowledged once in B's inbox
            List<CompletableFuture<?>> window = new ArrayList<>();
            for (int i = from; i < from + 100; i++) {
                window.add(meter.publishTelemetry("kwh", ("m" + i).getBytes(StandardCharsets.UTF_8), 1));
            }
            CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }

        BrokerProcess again = nodes.node("b", SMALL_INBOX);
        Http anonymous = new Http(again.url(), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> lost(anonymous.get("/metrics").body()) > 0);
        long lost = lost(anonymous.get("/metrics").body());
        var ready = anonymous.get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("clusterInbox").contains(lost + " messages lost");

        owner(again, token, false, seen);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> CrossNodeProcessesTest.missing(seen, total).size() == lost);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("counted lost " + lost + ", missing " + CrossNodeProcessesTest.missing(seen, total).size()
                    + "; " + anonymous.get("/metrics").body().lines().filter(l -> l.contains("drop") || l.contains("cluster"))
                    .filter(l -> !l.startsWith("#")).toList(), e);
        }
        meter.disconnect();
    }

    /** The owner with a persistent session on {@code node}, counting what it receives in {@code seen}. */
    Mqtt5AsyncClient owner(BrokerProcess node, String token, boolean cleanStart, Map<String, Integer> seen)
            throws Exception {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(did + "#gap")
                .serverHost("127.0.0.1").serverPort(node.mqttPort()).buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL,
                p -> seen.merge(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), 1, Integer::sum));
        client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(600).simpleAuth().username(did)
                .password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send().get(10, TimeUnit.SECONDS);
        return client;
    }

    static long lost(String metrics) {
        Matcher m = Pattern.compile("(?m)^edgeauth_cluster_inbox_gap_total(?:\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
