package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.store.redis.RedisStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.testsupport.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour V, V9, V10 and V15 on two nodes sharing a Redis: each node's map of revocations learns the other's through the
 * change feed, a little later. A decision taken on that map (revoke again? anything to lift?) or a write that replaces
 * what the other node stored lost a block or denied one. The feed of one node is held back, or one write paused, to
 * open the window every time.
 */
class RevocationRacesAcrossNodesTest {
    private static final Duration LIFETIME = Duration.ofMinutes(10);
    private static final Duration LEEWAY = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.now());
    private RedisServer server;
    private RedisStore storeA;
    private RedisStore storeB;
    private PausingFeed feedA;
    private PausingFeed feedB;
    private RevocationService a;
    private RevocationService b;
    private int settled;

    @BeforeEach
    void twoNodes() throws Exception {
        server = RedisServer.start(dir);
        storeA = server.connectStore();
        storeB = server.connectStore();
        feedA = new PausingFeed(storeA.feed());
        feedB = new PausingFeed(storeB.feed());
        a = new RevocationService(storeA, feedA, clock, LIFETIME, LEEWAY);
        b = new RevocationService(storeB, feedB, clock, LIFETIME, LEEWAY);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {storeA, storeB, server}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** V9: A has not yet heard of B's lift when it is asked to block again: the new block must be stored. */
    @Test
    void aBlockOnAJustAfterALiftOnBHolds() {
        a.revokeSubjectUntilLifted("pump", "stolen");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.blocksIssuance("pump"));
        feedA.holdDeliveries();
        assertThat(b.lift("pump")).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(a.revokeSubjectUntilLifted("pump", "stolen again").untilLifted()).isTrue();
        feedA.deliver();
        settle();
        assertThat(a.blocksIssuance("pump")).as("blocked on A").isTrue();
        assertThat(b.blocksIssuance("pump")).as("blocked on B").isTrue();
    }

    /** V15: B has not yet heard of A's block when it is asked to lift it: the lift must find it in the store. */
    @Test
    void aLiftOnBJustAfterABlockOnALiftsIt() {
        feedB.holdDeliveries();
        a.revokeSubjectUntilLifted("valve", "stolen");
        assertThat(b.lift("valve")).as("the block A holds is found").isPresent();
        feedB.deliver();
        settle();
        assertThat(a.blocksIssuance("valve")).isFalse();
        assertThat(b.blocksIssuance("valve")).isFalse();
    }

    /** V10 across nodes: A's block reaches the store after B's device change: the block holds on both nodes. */
    @Test
    void aBlockOnARacingADeviceChangeOnBHolds() throws Exception {
        feedA.pauseNextWriteOf("SUB:meter");
        CompletableFuture<Revocation> block = RevocationRacesTest.inThread(
                () -> a.revokeSubjectUntilLifted("meter", "stolen"));
        feedA.awaitPaused();
        clock.advance(Duration.ofSeconds(1));
        b.revoke(Revocation.Kind.SUB, "meter", "device changed: region");
        feedA.resume();
        assertThat(block.get().untilLifted()).isTrue();
        settle();
        assertThat(a.blocksIssuance("meter")).as("blocked on A").isTrue();
        assertThat(b.blocksIssuance("meter")).as("blocked on B").isTrue();
    }

    /** Waits until each node has applied everything the other wrote so far (the feed delivers in order). */
    private void settle() {
        String marker = "settle-" + settled++;
        a.revoke(Revocation.Kind.JTI, marker + "-a", "sync");
        b.revoke(Revocation.Kind.JTI, marker + "-b", "sync");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.inForce(Revocation.Kind.JTI, marker + "-b").isPresent()
                && b.inForce(Revocation.Kind.JTI, marker + "-a").isPresent());
    }
}
