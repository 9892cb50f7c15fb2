package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class TokenManagerTest {
    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-05-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A scheduler that records tasks; the test runs them when it advances time. */
    static final class ManualScheduler implements TokenManager.Scheduler {
        final ManualClock clock;
        final List<Object[]> tasks = new ArrayList<>();

        ManualScheduler(ManualClock clock) {
            this.clock = clock;
        }

        @Override
        public TokenManager.Cancellable schedule(Runnable task, Duration delay) {
            Object[] entry = {clock.now.plus(delay), task, delay};
            tasks.add(entry);
            return () -> tasks.remove(entry);
        }

        Duration lastDelay() {
            return (Duration) tasks.get(tasks.size() - 1)[2];
        }

        void advanceTo(Instant t) {
            clock.now = t;
            for (Object[] e : new ArrayList<>(tasks)) {
                if (!((Instant) e[0]).isAfter(t)) {
                    tasks.remove(e);
                    ((Runnable) e[1]).run();
                }
            }
        }
    }

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ConcurrentLinkedQueue<CompletableFuture<AccessToken>> fetches = new ConcurrentLinkedQueue<>();
    private int issued;

    private AccessToken token(Duration lifetime) {
        return new AccessToken("h.p" + (++issued) + ".s", TokenFormat.JWT, "Bearer", null, clock.now, clock.now.plus(lifetime));
    }

    private TokenManager manager(double random) {
        return TokenManager.builder(() -> {
            CompletableFuture<AccessToken> f = new CompletableFuture<>();
            fetches.add(f);
            return f;
        }).scheduler(scheduler).clock(clock).random(() -> random).build();
    }

    @Test
    void refreshesAtEightyPercentMinusJitterAndNotifies() {
        TokenManager m = manager(0.0);
        List<AccessToken> seen = new ArrayList<>();
        m.addListener(seen::add);
        CompletableFuture<AccessToken> first = m.start();
        assertThat(first).isNotDone();
        AccessToken t1 = token(Duration.ofMinutes(10));
        fetches.poll().complete(t1);
        assertThat(first).isCompletedWithValue(t1);
        assertThat(m.current()).isSameAs(t1);
        assertThat(scheduler.lastDelay()).isEqualTo(Duration.ofMinutes(8));

        // nothing happens before the refresh point
        scheduler.advanceTo(clock.now.plus(Duration.ofMinutes(7)));
        assertThat(fetches).isEmpty();
        scheduler.advanceTo(clock.now.plus(Duration.ofMinutes(1)));
        assertThat(fetches).hasSize(1);
        AccessToken t2 = token(Duration.ofMinutes(10));
        fetches.poll().complete(t2);
        assertThat(seen).containsExactly(t1, t2);
        assertThat(m.current()).isSameAs(t2);
    }

    @Test
    void jitterMovesTheRefreshEarlierWithinBounds() {
        TokenManager m = manager(0.999);
        m.start();
        fetches.poll().complete(token(Duration.ofMinutes(10)));
        // 0.8 - 0.1 * 0.999 of 600 s
        assertThat(scheduler.lastDelay()).isBetween(Duration.ofSeconds(420), Duration.ofSeconds(421));
    }

    @Test
    void failuresBackOffExponentiallyButNotPastExpiry() {
        TokenManager m = manager(0.0);
        List<Throwable> failures = new ArrayList<>();
        m.addListener(new TokenManager.Listener() {
            @Override
            public void onToken(AccessToken token) {
            }

            @Override
            public void onRefreshFailed(Throwable error, AccessToken current) {
                failures.add(error);
            }
        });
        m.start();
        fetches.poll().completeExceptionally(new TokenRequestException(TokenRequestException.Reason.TRANSPORT, "down", null));
        assertThat(scheduler.lastDelay()).isEqualTo(Duration.ofSeconds(1));
        scheduler.advanceTo(clock.now.plusSeconds(1));
        fetches.poll().completeExceptionally(new RuntimeException("again"));
        assertThat(scheduler.lastDelay()).isEqualTo(Duration.ofSeconds(2));
        scheduler.advanceTo(clock.now.plusSeconds(2));
        fetches.poll().complete(token(Duration.ofSeconds(100)));
        assertThat(failures).hasSize(2);

        // after a success the backoff starts over; with 5 s of validity left the retry comes no later than expiry
        scheduler.advanceTo(clock.now.plusSeconds(80));
        fetches.poll().completeExceptionally(new RuntimeException("x"));
        assertThat(scheduler.lastDelay()).isEqualTo(Duration.ofSeconds(1));
        for (int i = 0; i < 4; i++) {
            scheduler.advanceTo(clock.now.plus(scheduler.lastDelay()));
            fetches.poll().completeExceptionally(new RuntimeException("x"));
        }
        // the next 16 s backoff would pass expiry (5 s left): clamped to the validity left
        assertThat(scheduler.lastDelay()).isEqualTo(Duration.ofSeconds(5));
    }

    /**
     * A refusal of the credential (a revoked device, its fleet CA withdrawn) is not the network: the backoff doubles to
     * 15 minutes instead of a minute, so a refused fleet does not ask every minute for ever. Transport trouble after it
     * waits a minute at most again.
     */
    @Test
    void aRefusedCredentialBacksOffToFifteenMinutesTransportTroubleToOne() {
        TokenManager m = manager(0.0);
        m.start();
        TokenRequestException refused = new TokenRequestException(TokenRequestException.Reason.OAUTH_ERROR, 401,
                "invalid_client", "revoked: fleet CA 'acme' that provisioned this device was withdrawn", null);
        assertThat(refused.isRetryable()).isFalse();
        List<Duration> delays = new ArrayList<>();
        fetches.poll().completeExceptionally(refused);
        for (int i = 0; i < 12; i++) {
            delays.add(scheduler.lastDelay());
            scheduler.advanceTo(clock.now.plus(scheduler.lastDelay()));
            fetches.poll().completeExceptionally(refused);
        }
        assertThat(delays).startsWith(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
        assertThat(delays).contains(Duration.ofSeconds(64), Duration.ofSeconds(512));
        assertThat(delays.get(delays.size() - 1)).isEqualTo(Duration.ofMinutes(15));
        scheduler.advanceTo(clock.now.plus(scheduler.lastDelay()));
        fetches.poll().completeExceptionally(new TokenRequestException(TokenRequestException.Reason.TRANSPORT, "down", null));
        assertThat(scheduler.lastDelay()).as("transport trouble: the short cap").isEqualTo(Duration.ofSeconds(60));
    }

    /**
     * A fleet that lost the token endpoint at once (a broker restart, a network cut) must not ask again in lockstep:
     * each retry waits a random part of the backoff, between half of it and all of it, so the herd spreads out.
     */
    @Test
    void retriesAfterFailuresAreSpreadByJitterAcrossTheFleet() {
        TokenManager m = manager(0.5);
        m.start();
        TokenRequestException down = new TokenRequestException(TokenRequestException.Reason.TRANSPORT, "down", null);
        fetches.poll().completeExceptionally(down);
        assertThat(scheduler.lastDelay()).isEqualTo(Duration.ofMillis(750)); // 1 s backoff, a quarter of it taken off
        for (int i = 0; i < 8; i++) {
            scheduler.advanceTo(clock.now.plus(scheduler.lastDelay()));
            fetches.poll().completeExceptionally(down);
        }
        // the backoff itself still doubles to its cap, 60 s; the wait is that minus the device's own share
        assertThat(scheduler.lastDelay()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void refreshNowJoinsAFetchInFlightAndCloseStops() {
        TokenManager m = manager(0.0);
        CompletableFuture<AccessToken> a = m.start();
        CompletableFuture<AccessToken> b = m.refreshNow();
        assertThat(b).isSameAs(a);
        assertThat(fetches).hasSize(1);
        fetches.poll().complete(token(Duration.ofMinutes(1)));
        assertThat(scheduler.tasks).hasSize(1);
        m.close();
        assertThat(scheduler.tasks).isEmpty();
        assertThat(m.refreshNow()).isCompletedExceptionally();
    }

    @Test
    void expiredTokenIsNotCurrentIfValid() {
        TokenManager m = manager(0.0);
        m.start();
        fetches.poll().complete(token(Duration.ofSeconds(10)));
        assertThat(m.currentIfValid()).isNotNull();
        clock.now = clock.now.plusSeconds(11);
        assertThat(m.currentIfValid()).isNull();
        assertThat(m.current()).isNotNull();
    }
}
