package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes whose clocks are off: each measures its clock against Redis's and shows the offset as
 * {@code edgeauth_cluster_clock_offset_seconds}, and {@code /health} names it with a warning beyond half the token
 * clock leeway (before, nothing showed it: a node 120 s ahead issued tokens the others refused, a node 60 s behind
 * was taken for dead, and every {@code /health} said UP).
 */
class ClockOffsetTest {
    @TempDir
    Path dir;

    @Test
    void aNodeAheadAndANodeBehindShowTheirOffsetAndAWarning() throws Exception {
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
             Broker synced = Broker.start(TestBrokers.config(dir.resolve("a"), redis.brokerEnv(redis.uri())));
             Broker ahead = Broker.start(TestBrokers.config(dir.resolve("b"), redis.brokerEnv(redis.uri())),
                     Clock.offset(Clock.systemUTC(), Duration.ofSeconds(120)));
             Broker behind = Broker.start(TestBrokers.config(dir.resolve("c"), redis.brokerEnv(redis.uri())),
                     Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-60)))) {
            String offset = "edgeauth_cluster_clock_offset_seconds";
            await().atMost(Duration.ofSeconds(10)).until(() -> Math.abs(NodeIdentityInUseTest.metric(ahead, offset) - 120) < 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> Math.abs(NodeIdentityInUseTest.metric(behind, offset) + 60) < 5);
            assertThat(Math.abs(NodeIdentityInUseTest.metric(synced, offset))).isLessThan(5);
            assertThat(clock(ahead)).contains("ahead of Redis's").contains("sync the clocks");
            assertThat(clock(behind)).contains("behind Redis's").contains("sync the clocks");
            assertThat(clock(synced)).doesNotContain("sync the clocks");
        }
    }

    private static String clock(Broker node) {
        return new JsonObject(new Http("http://localhost:" + node.httpPort(), null).get("/health").body()).getString("clock");
    }
}
