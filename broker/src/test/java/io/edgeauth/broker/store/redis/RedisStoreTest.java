package io.edgeauth.broker.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TcpProxy;
import io.edgeauth.broker.wallet.RefreshTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RedisStore} and its change feed against a real redis-server: the Store contract, TTLs, atomicity, catch-up. */
class RedisStoreTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    static final Clock CLOCK = Clock.systemUTC();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    static RedisStore connect(String uri, int streamLength) {
        return RedisStore.connect(new RedisSettings(uri, "", "", null, Duration.ofSeconds(2), streamLength), CLOCK,
                new SimpleMeterRegistry());
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void storeContract() {
        try (RedisStore store = connect(redis.uri(), 1000)) {
            store.put("t1", "a", b("1"), null);
            assertThat(store.get("t1", "a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("1")));
            assertThat(store.putIfAbsent("t1", "a", b("2"), null)).isFalse();
            assertThat(store.putIfAbsent("t1", "b", b("2"), Instant.now().plusSeconds(60))).isTrue();
            assertThat(store.take("t1", "b")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("2")));
            assertThat(store.take("t1", "b")).isEmpty();
            assertThat(store.remove("t1", "a")).isTrue();
            assertThat(store.remove("t1", "a")).isFalse();
            store.put("t1", "past", b("x"), Instant.now().minusSeconds(1));
            assertThat(store.get("t1", "past")).isEmpty();
            // hostile keys: glob characters, separators, non-ASCII stay keys, never patterns
            store.put("t1", "*", b("star"), null);
            store.put("t1", "a:b[c]?\\", b("odd"), null);
            store.put("t1", "ключ", b("utf8"), null);
            store.put("t1x", "other-space", b("no"), null);
            Map<String, String> seen = new HashMap<>();
            store.forEach("t1", (k, v) -> seen.put(k, new String(v, StandardCharsets.UTF_8)));
            assertThat(seen).containsOnly(Map.entry("*", "star"), Map.entry("a:b[c]?\\", "odd"), Map.entry("ключ", "utf8"));
        }
    }

    @Test
    void entriesExpireWithTheirLife() {
        try (RedisStore store = connect(redis.uri(), 1000)) {
            store.put("ttl", "k", b("v"), Instant.now().plusMillis(300));
            assertThat(redis.command("PTTL", "ea:ttl:k")).matches(":\\d+");
            await().atMost(Duration.ofSeconds(10)).until(() -> store.get("ttl", "k").isEmpty());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void forEachPagesThroughManyKeys() {
        try (RedisStore store = connect(redis.uri(), 1000)) {
            for (int i = 0; i < 2500; i++) {
                store.put("many", "k" + i, b(Integer.toString(i)), null);
            }
            AtomicInteger n = new AtomicInteger();
            store.forEach("many", (k, v) -> n.incrementAndGet());
            assertThat(n.get()).isEqualTo(2500);
        }
    }

    @Test
    void takeIsSingleUseAcrossConnections() throws Exception {
        try (RedisStore a = connect(redis.uri(), 1000); RedisStore bStore = connect(redis.uri(), 1000)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                for (int round = 0; round < 50; round++) {
                    String key = "nonce" + round;
                    a.put("nonces", key, b("1"), Instant.now().plusSeconds(60));
                    List<Future<Boolean>> takes = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        RedisStore s = i % 2 == 0 ? a : bStore;
                        takes.add(pool.submit(() -> s.take("nonces", key).isPresent()));
                    }
                    int won = 0;
                    for (Future<Boolean> f : takes) {
                        won += f.get() ? 1 : 0;
                    }
                    assertThat(won).as("round %d", round).isEqualTo(1);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void refreshTokenReuseOnTwoNodesRevokesTheFamily() throws Exception {
        try (RedisStore a = connect(redis.uri(), 1000); RedisStore bStore = connect(redis.uri(), 1000)) {
            RefreshTokens nodeA = new RefreshTokens(a, CLOCK, Duration.ofHours(1));
            RefreshTokens nodeB = new RefreshTokens(bStore, CLOCK, Duration.ofHours(1));
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                for (int round = 0; round < 20; round++) {
                    String token = nodeA.issue("did:pkh:eip155:1:0xabc", "default");
                    List<Future<RefreshTokens.Rotation>> racing = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        RefreshTokens node = i % 2 == 0 ? nodeA : nodeB;
                        racing.add(pool.submit(() -> node.rotate(token)));
                    }
                    List<String> successors = new ArrayList<>();
                    for (Future<RefreshTokens.Rotation> f : racing) {
                        f.get().token().ifPresent(successors::add);
                    }
                    assertThat(successors).as("exactly one rotation wins").hasSize(1);
                    // the losers were reuse: the family, the winner's successor included, is revoked everywhere
                    assertThat(nodeB.rotate(successors.get(0)).failure()).isEqualTo(RefreshTokens.Failure.FAMILY_REVOKED);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void feedDeliversEveryNodesChangesInOrder() {
        try (RedisStore a = connect(redis.uri(), 1000); RedisStore bStore = connect(redis.uri(), 1000)) {
            List<String> seen = new CopyOnWriteArrayList<>();
            bStore.feed().follow("order", c -> seen.add(c.key() + "=" + c.value().map(String::new).orElse("-")), () -> { });
            for (int i = 0; i < 100; i++) {
                a.feed().put("order", "sp", "k" + i, b("v" + i), null);
            }
            a.feed().remove("order", "sp", "k0");
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 101);
            assertThat(seen.get(0)).isEqualTo("k0=v0");
            assertThat(seen.get(99)).isEqualTo("k99=v99");
            assertThat(seen.get(100)).isEqualTo("k0=-");
            assertThat(bStore.get("sp", "k0")).isEmpty();
            assertThat(bStore.get("sp", "k5")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("v5")));
        }
    }

    @Test
    void aCutOffFollowerCatchesUpFromItsLastIdOrResyncsWhenTrimmedPastIt() throws Exception {
        try (TcpProxy proxy = new TcpProxy(redis.port());
             RedisStore writer = connect(redis.uri(), 1000);
             RedisStore follower = connect("redis://127.0.0.1:" + proxy.port(), 1000)) {
            List<ChangeFeed.Change> seen = new CopyOnWriteArrayList<>();
            AtomicInteger resyncs = new AtomicInteger();
            follower.feed().follow("catchup", seen::add, resyncs::incrementAndGet);
            writer.feed().put("catchup", "cu", "before", b("1"), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);

            proxy.cut(); // a few changes while cut off: resumed from the last id, nothing lost, no resync
            await().atMost(Duration.ofSeconds(10)).until(() -> follower.unavailableReason().isPresent());
            for (int i = 0; i < 10; i++) {
                writer.feed().put("catchup", "cu", "during" + i, b("2"), null);
            }
            proxy.restore();
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 11);
            await().atMost(Duration.ofSeconds(10)).until(() -> follower.unavailableReason().isEmpty());
            assertThat(resyncs.get()).isZero();

            proxy.cut(); // far more than the stream keeps: trimmed past the follower, so it must resync
            await().atMost(Duration.ofSeconds(10)).until(() -> follower.unavailableReason().isPresent());
            for (int i = 0; i < 5000; i++) {
                writer.feed().put("catchup", "cu", "flood" + i, b("3"), null);
            }
            proxy.restore();
            await().atMost(Duration.ofSeconds(20)).until(() -> resyncs.get() == 1);
        }
    }

    @Test
    void unreachableRedisIsRefusedAtConnect() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> connect("redis://127.0.0.1:" + closedPort, 1000))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("cannot reach Redis at redis://127.0.0.1:" + closedPort);
    }

    @Test
    void commandsFailFastDuringAnOutageAndResumeAfter() throws Exception {
        try (TcpProxy proxy = new TcpProxy(redis.port());
             RedisStore store = connect("redis://127.0.0.1:" + proxy.port(), 1000)) {
            store.put("o", "k", b("v"), null);
            proxy.cut();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.unavailableReason().isPresent());
            assertThatThrownBy(() -> store.get("o", "k")).isInstanceOf(StoreUnavailableException.class);
            proxy.restore();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> store.get("o", "k").isPresent());
            await().atMost(Duration.ofSeconds(10)).until(() -> store.unavailableReason().isEmpty());
        }
    }
}
