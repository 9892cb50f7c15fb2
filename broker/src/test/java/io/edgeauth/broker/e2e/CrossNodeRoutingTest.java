package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TcpProxy;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.Command;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Three broker nodes on one redis-server (node B reaches it through a proxy the test can cut), real
 * HiveMQ clients: QoS 1 telemetry published on A reaches an owner on B once each; a command published
 * on A reaches the device on B; a retained message set on A is given to a subscriber that arrives on B
 * later; a command published on A reaches a CoAP observer on C; B cut off from Redis while A publishes
 * gets every message once it is back; a share group with members on B and C gets each message exactly
 * once across the nodes, and what a member on A leaves unacknowledged when its session ends goes to the member on B; a
 * device deleted on A has its retained messages cleared on every node, and a node's
 * restart does not bring them back from its journal.
 */
class CrossNodeRoutingTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    static TcpProxy toRedisFromB;
    static Broker a;
    static Broker b;
    static Broker c;
    static Http adminA;
    static ECKeyPair wallet;
    static String did;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        toRedisFromB = new TcpProxy(redis.port());
        a = Broker.start(TestBrokers.config(dir.resolve("a"), env(redis.uri())));
        b = Broker.start(TestBrokers.config(dir.resolve("b"), env("redis://127.0.0.1:" + toRedisFromB.port())));
        c = Broker.start(TestBrokers.config(dir.resolve("c"), env(redis.uri())));
        adminA = new Http(base(a), a.newAdminCredential().orElseThrow());
        wallet = Keys.createEcKeyPair();
        did = Wallets.did(wallet);
    }

    /** A node on Redis whose devices may publish faster than the default plan's 10/s (the tests publish bursts). */
    static Map<String, String> env(String uri) throws java.io.IOException {
        Map<String, String> env = new java.util.HashMap<>(redis.brokerEnv(uri));
        env.put("EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":1000,\"burst\":1000,"
                + "\"bytesPerSecond\":1000000}}");
        return env;
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {a, b, c, toRedisFromB, redis}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    static String base(Broker node) {
        return "http://localhost:" + node.httpPort();
    }

    /** The wallet owner signed in on {@code node}, connected to its MQTT port under {@code <did>#<suffix>}. */
    static Mqtt5AsyncClient owner(Broker node, String suffix) throws Exception {
        JsonObject login = Wallets.siweLogin(base(node), wallet);
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(did + "#" + suffix)
                .serverHost("127.0.0.1").serverPort(node.mqttPort()).buildAsync();
        client.connectWith().simpleAuth().username(did)
                .password(login.getString("access_token").getBytes(StandardCharsets.US_ASCII)).applySimpleAuth()
                .send().get(10, TimeUnit.SECONDS);
        return client;
    }

    /** Registers on A and waits until every node's registry mirror has it (an owner's login lists what it owns there). */
    static DeviceIdentity register(String id) {
        DeviceIdentity identity = DeviceFixtures.register(adminA, id, did, List.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> b.registry().find(id).isPresent() && c.registry().find(id).isPresent());
        return identity;
    }

    static DeviceMqttClient connect(Broker node, DeviceIdentity identity) throws Exception {
        AccessToken token = DeviceFixtures.token(base(node), identity, TokenFormat.JWT);
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(identity).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).token(token).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        return mqtt;
    }

    /** Counts each payload a subscription receives. */
    static Map<String, AtomicInteger> subscribe(Mqtt5AsyncClient client, String filter) throws Exception {
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> seen.computeIfAbsent(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8),
                        k -> new AtomicInteger()).incrementAndGet())
                .send().get(10, TimeUnit.SECONDS);
        return seen;
    }

    /**
     * Waits until {@code node} routes {@code topic} to every one of {@code subscribers}' nodes (their
     * routes travel on a stream): probes published there (QoS 0, payload {@value #PROBE}) reach each.
     */
    @SafeVarargs
    static void awaitRoutes(Broker node, String topic, Map<String, AtomicInteger>... subscribers) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            node.router().publish("default", topic, PROBE.getBytes(StandardCharsets.UTF_8), 0, false, null, "test");
            return java.util.Arrays.stream(subscribers).allMatch(s -> s.containsKey(PROBE));
        });
    }

    static final String PROBE = "probe";

    static void publishAll(DeviceMqttClient device, String path, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            device.publishTelemetry(path, ("m" + i).getBytes(StandardCharsets.UTF_8), 1).get(10, TimeUnit.SECONDS);
        }
    }

    static void assertEachOnce(Map<String, AtomicInteger> seen, int count) {
        seen.remove(PROBE);
        await().atMost(Duration.ofSeconds(20)).until(() -> seen.keySet().stream().filter(k -> !k.equals(PROBE)).count() == count);
        seen.remove(PROBE);
        for (int i = 0; i < count; i++) {
            assertThat(seen.get("m" + i)).as("m" + i).isNotNull();
            assertThat(seen.get("m" + i).get()).as("copies of m" + i).isEqualTo(1);
        }
    }

    @Test
    void qos1TelemetryPublishedOnAReachesTheOwnerOnBOnceEach() throws Exception {
        DeviceMqttClient pump = connect(a, register("xn-pump")); // registered first: the owner's login lists it
        Mqtt5AsyncClient owner = owner(b, "watch-1");
        Map<String, AtomicInteger> seen = subscribe(owner, "d/xn-pump/up/#");
        awaitRoutes(a, "d/xn-pump/up/probe", seen);
        publishAll(pump, "temp", 50);
        assertEachOnce(seen, 50);
        pump.disconnect();
        owner.disconnect();
    }

    @Test
    void aCommandPublishedOnAReachesTheDeviceOnBAndARetainedOneADeviceArrivingOnCLater() throws Exception {
        DeviceIdentity identity = register("xn-valve");
        DeviceMqttClient valve = connect(b, identity);
        List<String> commands = new CopyOnWriteArrayList<>();
        valve.onCommand((Command cmd) -> commands.add(new String(cmd.payload(), StandardCharsets.UTF_8)), 1)
                .get(10, TimeUnit.SECONDS);
        Mqtt5AsyncClient owner = owner(a, "ctl");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            a.router().publish("default", "d/xn-valve/down/probe", PROBE.getBytes(StandardCharsets.UTF_8), 0, false, null, "t");
            return commands.contains(PROBE);
        });
        owner.publishWith().topic("d/xn-valve/down/open").payload("open".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> commands.contains("open"));
        assertThat(commands.stream().filter("open"::equals).count()).isEqualTo(1);

        // retained on A (acknowledged once every node can see it); the device comes back on C and gets it there
        owner.publishWith().topic("d/xn-valve/down/config").payload("cfg-7".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).retain(true).send().get(10, TimeUnit.SECONDS);
        valve.disconnect().get(10, TimeUnit.SECONDS);
        DeviceMqttClient onC = connect(c, identity);
        List<String> later = new CopyOnWriteArrayList<>();
        onC.onCommand((Command cmd) -> later.add(new String(cmd.payload(), StandardCharsets.UTF_8)), 1)
                .get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> later.contains("cfg-7"));
        // cleared on B: C forgets it too
        Mqtt5AsyncClient ownerOnB = owner(b, "ctl-b");
        ownerOnB.publishWith().topic("d/xn-valve/down/config").payload(new byte[0]).qos(MqttQos.AT_LEAST_ONCE)
                .retain(true).send().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> c.router().retainedCount("default") == 0);
        onC.disconnect();
        owner.disconnect();
        ownerOnB.disconnect();
    }

    @Test
    void aDeviceDeletedOnAHasItsRetainedMessagesClearedOnEveryNodeAndAfterARestart() throws Exception {
        register("xn-gone");
        // one retained message set on C (so in C's own journal too), one on A
        c.router().publish("default", "d/xn-gone/up/state", "on".getBytes(StandardCharsets.UTF_8), 1, true, null, "t")
                .handoff().get(10, TimeUnit.SECONDS);
        a.router().publish("default", "d/xn-gone/down/valve", "open".getBytes(StandardCharsets.UTF_8), 1, true, null, "t")
                .handoff().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> retainedOn(c, "d/xn-gone/#").size() == 2
                && retainedOn(b, "d/xn-gone/#").size() == 2);

        assertThat(adminA.delete("/admin/devices/xn-gone").statusCode()).isEqualTo(204);
        for (Broker node : List.of(a, b, c)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> retainedOn(node, "d/xn-gone/#").isEmpty());
        }
        c.close(); // its journal still holds what it published; Redis, which no longer does, wins
        c = Broker.start(TestBrokers.config(dir.resolve("c"), env(redis.uri())));
        assertThat(retainedOn(c, "d/xn-gone/#")).as("after C's restart").isEmpty();
    }

    /**
     * A device deleted on A: its persistent session held offline on B ends there too, with the command queued for it
     * (the red-team tour's T3 across nodes: a device registered again under the id resumed the old session on B).
     */
    @Test
    void aDeviceDeletedOnAEndsItsSessionHeldOfflineOnB() throws Exception {
        DeviceIdentity old = register("xn-heater");
        var meter = MqttClient.builder().useMqttVersion5().identifier("xn-heater").serverHost("127.0.0.1")
                .serverPort(b.mqttPort()).buildBlocking();
        persistent(meter, DeviceFixtures.token(base(b), old, TokenFormat.JWT));
        meter.subscribeWith().topicFilter("d/xn-heater/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
        meter.disconnect();
        // sent on A until A knows B's route (it travels on a stream): then B's offline session holds one at least
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> new JsonObject(
                adminA.postJson("/admin/devices/xn-heater/commands", new JsonObject().put("topic", "wifi")
                        .put("payload", "psk=old").encode()).body()).getInteger("subscribers") == 1);
        assertThat(adminA.delete("/admin/devices/xn-heater").statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.registry().find("xn-heater").isEmpty());
        DeviceIdentity successor = register("xn-heater");
        var next = MqttClient.builder().useMqttVersion5().identifier("xn-heater").serverHost("127.0.0.1")
                .serverPort(b.mqttPort()).buildBlocking();
        try (var in = next.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            var ack = persistent(next, DeviceFixtures.token(base(b), successor, TokenFormat.JWT));
            assertThat(ack.isSessionPresent()).as("the deleted device's session on B").isFalse();
            assertThat(in.receive(1, TimeUnit.SECONDS)).as("its queued command").isEmpty();
        }
        next.disconnect();
    }

    private static com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck persistent(
            com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient client, AccessToken token) {
        return client.connectWith().cleanStart(false).sessionExpiryInterval(600).simpleAuth().username("xn-heater")
                .password(token.value().getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
    }

    /** The topics of the retained messages a new subscription to {@code filter} on {@code node} is sent. */
    static List<String> retainedOn(Broker node, String filter) {
        return io.edgeauth.broker.testsupport.CollectingSubscriber.retainedTopics(node.router(), "default", filter);
    }

    @Test
    void aCommandPublishedOnAReachesACoapObserverOnC() throws Exception {
        DeviceIdentity identity = register("xn-coap");
        io.edgeauth.device.DeviceCoapClient coap = io.edgeauth.device.DeviceCoapClient.builder()
                .serverUri(java.net.URI.create("coap://127.0.0.1:" + c.coapPort())).identity(identity)
                .token(DeviceFixtures.token(base(c), identity, TokenFormat.CWT)).build();
        try {
            coap.uploadToken().get(10, TimeUnit.SECONDS);
            List<String> commands = new CopyOnWriteArrayList<>(); // "path:payload"
            coap.observeCommands(cmd -> commands.add(cmd.path() + ":"
                    + new String(cmd.payload(), StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
            Mqtt5AsyncClient owner = owner(a, "coap-ctl");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                a.router().publish("default", "d/xn-coap/down", PROBE.getBytes(StandardCharsets.UTF_8), 0, false, null, "t");
                return commands.contains(":" + PROBE);
            });
            // probes still crossing the nodes may arrive after "reboot": each command waits its turn, none replaces it
            owner.publishWith().topic("d/xn-coap/down/power").payload("reboot".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
            // with the topic below d/xn-coap/down it was published to
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(commands).contains("power:reboot"));
            owner.disconnect();
        } finally {
            coap.close();
        }
    }

    @Test
    void aNodeCutOffFromRedisGetsWhatWasPublishedMeanwhileOnceItIsBack() throws Exception {
        DeviceMqttClient meter = connect(a, register("xn-meter"));
        Mqtt5AsyncClient owner = owner(b, "watch-2");
        Map<String, AtomicInteger> seen = subscribe(owner, "d/xn-meter/up/#");
        awaitRoutes(a, "d/xn-meter/up/probe", seen);
        seen.remove(PROBE);
        Http healthB = new Http(base(b), null);
        toRedisFromB.cut();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> healthB.get("/health").body().contains("DEGRADED"));
            publishAll(meter, "kwh", 30); // acknowledged: each is in B's inbox stream
            assertThat(seen.keySet()).as("B cannot read its inbox yet").allMatch(PROBE::equals);
        } finally {
            toRedisFromB.restore();
        }
        assertEachOnce(seen, 30);
        await().atMost(Duration.ofSeconds(10)).until(() -> healthB.get("/health").body().contains("\"UP\""));
        meter.disconnect();
        owner.disconnect();
    }

    /** Copies received per payload over both maps, probes left out. */
    static Map<String, AtomicInteger> union(Map<String, AtomicInteger> x, Map<String, AtomicInteger> y) {
        Map<String, AtomicInteger> all = new ConcurrentHashMap<>();
        for (Map<String, AtomicInteger> m : List.of(x, y)) {
            m.forEach((k, v) -> all.computeIfAbsent(k, key -> new AtomicInteger()).addAndGet(v.get()));
        }
        all.remove(PROBE);
        return all;
    }

    @Test
    void aShareGroupWithMembersOnTwoNodesGetsEachMessageOnce() throws Exception {
        DeviceMqttClient fan = connect(a, register("xn-fan"));
        Mqtt5AsyncClient onB = owner(b, "share-b");
        Mqtt5AsyncClient onC = owner(c, "share-c");
        Map<String, AtomicInteger> seenB = subscribe(onB, "$share/workers/d/xn-fan/up/#");
        Map<String, AtomicInteger> seenC = subscribe(onC, "$share/workers/d/xn-fan/up/#");
        awaitRoutes(a, "d/xn-fan/up/probe", seenB, seenC); // round robin: probes go to B and C in turn
        seenB.remove(PROBE);
        seenC.remove(PROBE);
        publishAll(fan, "rpm", 40);
        await().atMost(Duration.ofSeconds(20)).until(() -> union(seenB, seenC).size() == 40);
        Map<String, AtomicInteger> all = union(seenB, seenC);
        assertEachOnce(all, 40);
        assertThat(seenB).as("members on B").isNotEmpty();
        assertThat(seenC).as("members on C").isNotEmpty();
        fan.disconnect();
        onB.disconnect();
        onC.disconnect();
    }

    /**
     * Tour Q, Q11 across nodes: a member on A (the publisher's node) that received QoS 1 messages of its group and
     * never acknowledged them ends its clean session; A hands them to the group's member on B through B's inbox, as a
     * publish would. Before, they were lost for the group.
     */
    @Test
    void aShareGroupMembersUnacknowledgedMessagesGoToTheMemberOnAnotherNodeWhenItsSessionEnds() throws Exception {
        DeviceMqttClient fan = connect(a, register("xn-q11"));
        Mqtt5AsyncClient leaver = owner(a, "q11-a");
        Mqtt5AsyncClient stayer = owner(b, "q11-b");
        Map<String, AtomicInteger> seenA = new ConcurrentHashMap<>();
        leaver.subscribeWith().topicFilter("$share/q11/d/xn-q11/up/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> seenA.computeIfAbsent(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8),
                        k -> new AtomicInteger()).incrementAndGet())
                .manualAcknowledgement(true) // and never acknowledges
                .send().get(10, TimeUnit.SECONDS);
        Map<String, AtomicInteger> seenB = subscribe(stayer, "$share/q11/d/xn-q11/up/#");
        awaitRoutes(a, "d/xn-q11/up/probe", seenA, seenB);
        seenA.remove(PROBE);
        seenB.remove(PROBE);
        publishAll(fan, "rpm", 10);
        await().atMost(Duration.ofSeconds(20)).until(() -> union(seenA, seenB).size() == 10);
        assertThat(seenA).as("the member on A got its share").isNotEmpty();
        leaver.disconnect().get(10, TimeUnit.SECONDS); // its clean session ends, nothing acknowledged
        Map<String, AtomicInteger> ofA = union(seenA, Map.of()); // without late probes
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(union(seenB, Map.of()).keySet())
                .as("B got its own and A's").containsAll(ofA.keySet()).hasSize(10));
        ofA.keySet().forEach(m -> assertThat(seenB.get(m).get()).as("copies of %s on B", m).isEqualTo(1));
        fan.disconnect();
        stayer.disconnect();
    }
}
