package io.edgeauth.broker.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.testsupport.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's change feed notices that Redis lost its data (a {@code FLUSHALL}, a restart without persistence) also
 * when the stream's counters cannot tell (the follower had read no entry yet: an empty stream looks the same), and
 * when other nodes wrote new entries before the follower's next check. Each loss makes the follower reload from the store (its resync), where the nodes write
 * back what they hold (signing keys, revocations).
 */
class RedisDataLossNoticedTest {
    @TempDir
    Path dir;

    @Test
    void aLossBeforeTheFollowerReadAnyEntryIsNoticed() throws Exception {
        try (RedisServer server = RedisServer.start(dir); RedisStore node = server.connectStore()) {
            AtomicInteger resyncs = new AtomicInteger();
            node.feed().follow("lost-early", c -> { }, resyncs::incrementAndGet);
            assertThat(server.command("FLUSHALL")).isEqualTo("+OK");
            await().atMost(Duration.ofSeconds(30)).until(() -> resyncs.get() == 1);
        }
    }

    @Test
    void aLossThatOtherNodesWroteOverBeforeTheNextCheckIsNoticed() throws Exception {
        try (RedisServer server = RedisServer.start(dir); RedisStore node = server.connectStore();
             RedisStore other = server.connectStore()) {
            AtomicInteger resyncs = new AtomicInteger();
            AtomicInteger heard = new AtomicInteger();
            other.feed().put("overwritten", "s", "before", b("1"), null);
            node.feed().follow("overwritten", c -> heard.incrementAndGet(), resyncs::incrementAndGet);
            assertThat(server.command("FLUSHALL")).isEqualTo("+OK");
            // the stream is given as many entries again, newer ones: its counters alone look like no loss
            other.feed().put("overwritten", "s", "after-1", b("1"), null);
            other.feed().put("overwritten", "s", "after-2", b("1"), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.get() == 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> resyncs.get() == 1);
        }
    }

    @Test
    void noLossNoResync() throws Exception {
        try (RedisServer server = RedisServer.start(dir); RedisStore node = server.connectStore();
             RedisStore other = server.connectStore()) {
            AtomicInteger resyncs = new AtomicInteger();
            AtomicInteger heard = new AtomicInteger();
            node.feed().follow("kept", c -> heard.incrementAndGet(), resyncs::incrementAndGet);
            try (RedisStore late = server.connectStore()) { // a node starting later sees the same data, no loss
                late.feed().follow("kept", c -> { }, resyncs::incrementAndGet);
                other.feed().put("kept", "s", "k", b("1"), null);
                await().atMost(Duration.ofSeconds(10)).until(() -> heard.get() == 1);
                Thread.sleep(12_000); // past one history check of both nodes
            }
            assertThat(resyncs).hasValue(0);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
