package io.edgeauth.broker.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChangeFeed#putIfUnchanged}, the compare-and-set revocations are merged with: on Redis (one Lua script with
 * its stream entry, so every node hears of exactly the writes that took place) and on the embedded store.
 */
class RedisPutIfUnchangedTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void onRedisItWritesOnlyOverWhatTheCallerReadAndAnnouncesOnlyThat() throws Exception {
        try (RedisServer server = RedisServer.start(dir); RedisStore store = server.connectStore();
             RedisStore other = server.connectStore()) {
            List<String> heard = new CopyOnWriteArrayList<>();
            other.feed().follow("f", c -> heard.add(c.key() + "=" + c.value().map(String::new).orElse("")), () -> { });
            assertContract(store.feed(), store, Instant.now().plusSeconds(60));
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() >= 3);
            Thread.sleep(100); // nothing more comes
            assertThat(heard).containsExactly("k=v1", "k=v2", "blocked=v1");
        }
    }

    @Test
    void onTheEmbeddedStoreToo() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), Clock.systemUTC())) {
            assertContract(new LocalChangeFeed(store), store, Instant.now().plusSeconds(60));
        }
    }

    private static void assertContract(ChangeFeed feed, io.edgeauth.broker.store.Store store, Instant expiresAt) {
        assertThat(feed.putIfUnchanged("f", "s", "k", b("v0"), b("v1"), expiresAt)).as("expected v0: none")
                .isFalse();
        assertThat(feed.putIfUnchanged("f", "s", "k", null, b("v1"), expiresAt)).as("expected none").isTrue();
        assertThat(feed.putIfUnchanged("f", "s", "k", null, b("v9"), expiresAt)).as("expected none: v1").isFalse();
        assertThat(feed.putIfUnchanged("f", "s", "k", b("v0"), b("v9"), expiresAt)).as("expected v0: v1").isFalse();
        assertThat(feed.putIfUnchanged("f", "s", "k", b("v1"), b("v2"), null)).as("expected v1").isTrue();
        assertThat(store.get("s", "k")).hasValueSatisfying(v -> assertThat(new String(v)).isEqualTo("v2"));
        assertThat(feed.putIfUnchanged("f", "s", "blocked", null, b("v1"), null)).isTrue();
    }
}
