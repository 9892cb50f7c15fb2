package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.device.DeviceMqttClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Persistent MQTT sessions follow their client across two broker processes on one redis-server: a session
 * left on A with QoS 1 messages queued is resumed on B with every message (and its subscription, so later
 * messages reach B); a connection of the same client on the other node ends the first one with 0x8E; and
 * after a SIGKILL of A, the messages A acknowledged to their publisher while the session was offline there
 * are delivered on B, and so are the messages B acknowledged for the session after A died (they went to
 * A's inbox), whether the client comes back before or after A's lease ended.
 */
class SessionMobilityProcessesTest {
    @TempDir
    Path dir;
    RedisNodes nodes;
    BrokerProcess a;
    BrokerProcess b;
    RoamingOwner roaming;

    @BeforeEach
    void start() throws Exception {
        nodes = RedisNodes.start(dir);
        a = nodes.node("a");
        b = nodes.node("b");
        roaming = new RoamingOwner(a);
    }

    @AfterEach
    void stop() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aSessionLeftOnAIsResumedOnBWithItsQueuedMessagesAndTakenBackWith0x8E() throws Exception {
        DeviceMqttClient meter = device(a, "roam-meter");
        String token = roaming.token();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient onA = subscribedOnA(meter, "roam-meter", token, seen);
        onA.disconnect().get(10, TimeUnit.SECONDS);

        RoamingOwner.publish(meter, "q", 50); // queued on A for the offline session
        AtomicReference<Throwable> bEnded = new AtomicReference<>();
        Mqtt5AsyncClient onB = owner(b, token, false, seen, bEnded); // session present on the other node
        RoamingOwner.awaitAll(seen, "q", 50);
        RoamingOwner.publish(meter, "after", 20); // its subscription moved too: A now routes to B
        RoamingOwner.awaitAll(seen, "after", 20);

        AtomicReference<Throwable> aEnded = new AtomicReference<>();
        owner(a, token, false, seen, aEnded); // back to A while connected to B
        await().atMost(Duration.ofSeconds(10)).until(() -> bEnded.get() != null);
        assertThat(bEnded.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER));
        assertThat(onB.getState().isConnected()).isFalse();
        RoamingOwner.publish(meter, "back", 10);
        RoamingOwner.awaitAll(seen, "back", 10);
        assertThat(aEnded.get()).isNull();
        meter.disconnect();
    }

    @Test
    void messagesAcknowledgedByAKilledNodeReachTheSessionOnTheOtherNode() throws Exception {
        DeviceMqttClient meter = device(a, "roam-kill");
        String token = roaming.token();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient onA = subscribedOnA(meter, "roam-kill", token, seen);
        onA.disconnect().get(10, TimeUnit.SECONDS);

        RoamingOwner.publish(meter, "k", 100); // every one acknowledged by A while the session is offline there
        killA();

        owner(b, token, false, seen, new AtomicReference<>());
        RoamingOwner.awaitAll(seen, "k", 100);
    }

    @Test
    void messagesPublishedOnBAfterTheOwnerDiedReachTheSessionTakenOverOnB() throws Exception {
        DeviceMqttClient meter = device(b, "roam-dead"); // the publisher is on the node that survives
        String token = roaming.token();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        subscribedOnA(meter, "roam-dead", token, seen);

        killA(); // its client is still connected
        RoamingOwner.publish(meter, "dead", 40); // acknowledged by B while A is dead, its lease alive: into A's inbox
        owner(b, token, false, seen, new AtomicReference<>());
        RoamingOwner.awaitAll(seen, "dead", 40);
        RoamingOwner.publish(meter, "after", 10);
        RoamingOwner.awaitAll(seen, "after", 10);
        meter.disconnect();
    }

    @Test
    void messagesPublishedOnBAfterTheOwnerDiedReachTheSessionTakenOverAfterTheLeaseEnded() throws Exception {
        DeviceMqttClient meter = device(b, "roam-late");
        String token = roaming.token();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient onA = subscribedOnA(meter, "roam-late", token, seen);
        onA.disconnect().get(10, TimeUnit.SECONDS); // the session waits offline on A

        String nodeA = Files.readString(dir.resolve("a").resolve("node-id")).trim();
        killA();
        RoamingOwner.publish(meter, "dead", 40);
        // A's lease ends now rather than in 120 s (nobody renews it), and B drops A's routes
        nodes.redis.command("ZADD", "ea:nodes", Long.toString(System.currentTimeMillis() - 1000), nodeA);
        RoamingOwner.awaitLiveNodes(b, 0);
        owner(b, token, false, seen, new AtomicReference<>());
        RoamingOwner.awaitAll(seen, "dead", 40);
        meter.disconnect();
    }

    DeviceMqttClient device(BrokerProcess node, String id) throws Exception {
        return roaming.device(node, id);
    }

    Mqtt5AsyncClient owner(BrokerProcess node, String token, boolean cleanStart, Map<String, Integer> seen,
                           AtomicReference<Throwable> disconnected) throws Exception {
        return roaming.connect(node, token, cleanStart, seen, disconnected);
    }

    Mqtt5AsyncClient subscribedOnA(DeviceMqttClient meter, String device, String token, Map<String, Integer> seen)
            throws Exception {
        return roaming.subscribed(a, meter, device, token, seen);
    }

    void killA() throws InterruptedException {
        RoamingOwner.kill(a);
    }
}
