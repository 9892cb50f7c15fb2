package io.edgeauth.broker.e2e;

import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.device.DeviceMqttClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent session whose owner node was killed keeps what is acknowledged for it after the node's lease
 * ended (three broker processes on one redis-server, a 3 s lease): node B has dropped A's lease before the
 * messages are published on B, all acknowledged, and the client that comes back later (on B, or on C) gets every
 * one. Before, they matched no route once A's lease had ended: acknowledged and dropped.
 */
class DeadOwnerProcessesTest {
    static final Map<String, String> SHORT_LEASE = Map.of("EDGEAUTH_STORE_NODE_LEASE", "3s");
    @TempDir
    Path dir;
    RedisNodes nodes;
    BrokerProcess a;
    BrokerProcess b;
    BrokerProcess c;
    RoamingOwner roaming;

    @BeforeEach
    void start() throws Exception {
        nodes = RedisNodes.start(dir);
        a = nodes.node("a", SHORT_LEASE);
        b = nodes.node("b", SHORT_LEASE);
        c = nodes.node("c", SHORT_LEASE);
        roaming = new RoamingOwner(a);
        RoamingOwner.awaitLiveNodes(b, 2); // B knows A and C: once A is gone it knows C only
    }

    @AfterEach
    void stop() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aSessionLeftOfflineOnAKeepsWhatBAcknowledgedAfterALeaseEnded() throws Exception {
        DeviceMqttClient meter = roaming.device(b, "orphan-offline"); // the publisher is on a node that survives
        String token = roaming.token();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient onA = roaming.subscribed(a, meter, "orphan-offline", token, seen);
        onA.disconnect().get(10, TimeUnit.SECONDS); // the session waits offline on A

        RoamingOwner.kill(a);
        RoamingOwner.awaitLiveNodes(b, 1); // B has dropped A's lease
        RoamingOwner.publish(meter, "late", 30); // each acknowledged by B
        roaming.connect(b, token, false, seen, new AtomicReference<>());
        RoamingOwner.awaitAll(seen, "late", 30);
        RoamingOwner.publish(meter, "after", 10); // the session's route is on B now
        RoamingOwner.awaitAll(seen, "after", 10);
        meter.disconnect();
    }

    @Test
    void aSessionConnectedOnAWhenItWasKilledKeepsWhatBAcknowledgedAndResumesOnC() throws Exception {
        DeviceMqttClient meter = roaming.device(b, "orphan-connected");
        String token = roaming.token();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        roaming.subscribed(a, meter, "orphan-connected", token, seen);

        RoamingOwner.kill(a); // its client is still connected
        RoamingOwner.awaitLiveNodes(b, 1);
        RoamingOwner.awaitLiveNodes(c, 1);
        RoamingOwner.publish(meter, "late", 30);
        roaming.connect(c, token, false, seen, new AtomicReference<>()); // a third node
        RoamingOwner.awaitAll(seen, "late", 30);
        RoamingOwner.publish(meter, "after", 10); // B routes to C now
        RoamingOwner.awaitAll(seen, "after", 10);
        meter.disconnect();
    }
}
