package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node ids on one Redis: a second process with a live node's id (set, or a copied data directory's
 * {@code node-id} file) refuses to start and says what to do, since two processes with one id share one
 * inbox and lose messages; the same node restarted after a clean stop, or after a crash, starts. A cleanly
 * stopped node ends its lease: the others stop counting it at once, not after the lease.
 */
class NodeIdentityInUseTest {
    @TempDir
    static Path dir;
    static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
    }

    @AfterAll
    static void stop() throws Exception {
        redis.close();
    }

    static Map<String, String> env(String nodeId) throws java.io.IOException {
        Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
        if (nodeId != null) {
            env.put("EDGEAUTH_STORE_NODE_ID", nodeId);
        }
        return env;
    }

    @Test
    void aSecondProcessWithALiveNodesIdRefusesToStartAndTheNodeItselfRestarts() throws Exception {
        Broker first = Broker.start(TestBrokers.config(dir.resolve("twin-a"), env("twin-1")));
        try {
            assertThatThrownBy(() -> Broker.start(TestBrokers.config(dir.resolve("twin-b"), env("twin-1"))))
                    .hasMessageContaining("node id twin-1 is in use by another live process")
                    .hasMessageContaining("node-id").hasMessageContaining("store.nodeId");
        } finally {
            first.close();
        }
        long t0 = System.nanoTime();
        Broker again = Broker.start(TestBrokers.config(dir.resolve("twin-a"), env("twin-1"))); // after a clean stop
        again.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("no wait after a clean stop").isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void aCopiedDataDirectoryIsRefusedNamingItsNodeIdFile() throws Exception {
        Broker original = Broker.start(TestBrokers.config(dir.resolve("orig"), env(null)));
        try {
            Path copy = Files.createDirectories(dir.resolve("copy"));
            Files.copy(dir.resolve("orig").resolve("node-id"), copy.resolve("node-id"));
            String id = Files.readString(copy.resolve("node-id")).strip();
            assertThatThrownBy(() -> Broker.start(TestBrokers.config(copy, env(null))))
                    .hasMessageContaining("node id " + id + " is in use")
                    .hasMessageContaining(copy.resolve("node-id").toString());
        } finally {
            original.close();
        }
    }

    @Test
    void aNodeRestartedAfterACrashStartsOnceItsOldRunStoppedRenewing() throws Exception {
        // what a killed run leaves: its token, renewed last just now, and a live lease
        redis.command("SET", "ea:node-owner:crashed-1", "token-of-the-killed-run", "PX", "3000");
        redis.command("ZADD", "ea:nodes", Long.toString(System.currentTimeMillis() + 30_000), "crashed-1");
        long t0 = System.nanoTime();
        Broker restarted = Broker.start(TestBrokers.config(dir.resolve("crashed"), env("crashed-1")));
        restarted.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aCleanlyStoppedNodeIsNoLongerCountedByTheOthers() throws Exception {
        Broker a = Broker.start(TestBrokers.config(dir.resolve("count-a"), env(null)));
        try {
            Broker b = Broker.start(TestBrokers.config(dir.resolve("count-b"), env(null)));
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(a, "edgeauth_cluster_nodes") == 2.0);
            b.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> metric(a, "edgeauth_cluster_nodes") == 1.0);
        } finally {
            a.close();
        }
    }

    static double metric(Broker node, String name) {
        String text = new Http("http://localhost:" + node.httpPort(), null).get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }
}
