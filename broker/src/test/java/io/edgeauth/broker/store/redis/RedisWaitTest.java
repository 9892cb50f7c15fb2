package io.edgeauth.broker.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.store.StoreUnavailableException;
import io.edgeauth.broker.testsupport.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store.redisWaitReplicas} on a real primary and replica: a guarded write (store entry, change-feed
 * entry such as a revocation, an inbox append) is reported done once the replica has it; with the replica
 * gone it is refused as an outage instead of being acknowledged unreplicated; with 0 replicas asked for,
 * nothing waits.
 */
class RedisWaitTest {
    @TempDir
    Path dir;
    RedisServer primary;
    RedisServer replica;
    RedisStore store;

    @BeforeEach
    void start() throws Exception {
        primary = RedisServer.start(Files.createDirectories(dir.resolve("primary")));
        replica = RedisServer.start(Files.createDirectories(dir.resolve("replica")));
        replica.command("REPLICAOF", "127.0.0.1", Integer.toString(primary.port()));
        await().atMost(Duration.ofSeconds(30)).until(() -> primary.command("WAIT", "1", "100").equals(":1"));
        store = connect(1);
    }

    RedisStore connect(int replicas) {
        return RedisStore.connect(new RedisSettings(primary.uri(), "", "", null, Duration.ofSeconds(2), 1000, replicas,
                Duration.ofMillis(300)), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
        replica.close();
        primary.close();
    }

    @Test
    void guardedWritesAreDoneOnceTheReplicaHasThemAndRefusedWithoutIt() throws Exception {
        store.put("tokens", "a", "1".getBytes(StandardCharsets.UTF_8), null);
        store.feed().put("revocations", "revoked", "jti-1", "x".getBytes(StandardCharsets.UTF_8), null);
        assertThat(store.putIfAbsent("spent", "r1", new byte[] {1}, null)).isTrue();
        store.replicated(store.async().xadd("ea:inbox:n1", Map.of("m", new byte[] {1}))).get(5, TimeUnit.SECONDS);
        // WAIT answered: the replica has every one of them (its own reads show them)
        assertThat(replica.command("EXISTS", "ea:tokens:a")).isEqualTo(":1");
        assertThat(replica.command("EXISTS", "ea:revoked:jti-1")).isEqualTo(":1");
        assertThat(replica.command("EXISTS", "ea:spent:r1")).isEqualTo(":1");
        assertThat(replica.command("XLEN", "ea:inbox:n1")).isEqualTo(":1");

        replica.stop();
        assertThatThrownBy(() -> store.put("tokens", "b", "2".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("replicas");
        assertThatThrownBy(() -> store.feed().put("revocations", "revoked", "jti-2", new byte[] {1}, null))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.replicated(store.async().xadd("ea:inbox:n1", Map.of("m", new byte[] {2})))
                .get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasMessageContaining("replicas");
        assertThat(store.putIfAbsent("spent", "r1", new byte[] {1}, null)).as("not written: nothing to wait for").isFalse();

        try (RedisStore unguarded = connect(0)) {
            unguarded.put("tokens", "c", "3".getBytes(StandardCharsets.UTF_8), null);
            unguarded.replicated(unguarded.async().xadd("ea:inbox:n1", Map.of("m", new byte[] {3}))).get(5, TimeUnit.SECONDS);
        }
    }
}
