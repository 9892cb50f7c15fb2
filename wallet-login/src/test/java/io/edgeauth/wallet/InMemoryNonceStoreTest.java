package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryNonceStoreTest {
    private final SiweVerifierTest.MutableClock clock = new SiweVerifierTest.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryNonceStore store = new InMemoryNonceStore(clock);

    @Test
    void noncesAreAlphanumericLongEnoughAndDistinct() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String n = store.issue(Duration.ofMinutes(1));
            // 22 base-62 characters = 130.9 bits of capacity for 128 random bits (>= 96 required)
            assertThat(n).matches("[A-Za-z0-9]{22}");
            assertThat(seen.add(n)).isTrue();
        }
        // and the EIP-4361 grammar accepts them
        SiweMessage.builder().domain("a.example").address("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2")
                .uri("https://a.example").chainId(1).nonce(seen.iterator().next()).issuedAt(Instant.now()).build();
    }

    @Test
    void consumeOnceThenReusedUnknownExpired() {
        String n = store.issue(Duration.ofSeconds(10));
        assertThat(store.consumeWithOutcome(n)).isEqualTo(NonceStore.Outcome.CONSUMED);
        assertThat(store.consumeWithOutcome(n)).isEqualTo(NonceStore.Outcome.ALREADY_USED);
        assertThat(store.consume(n)).isFalse();
        assertThat(store.consumeWithOutcome("nope12345")).isEqualTo(NonceStore.Outcome.UNKNOWN);
        assertThat(store.consumeWithOutcome(null)).isEqualTo(NonceStore.Outcome.UNKNOWN);
        String m = store.issue(Duration.ofSeconds(10));
        clock.set(clock.instant().plusSeconds(10));
        assertThat(store.consumeWithOutcome(m)).isEqualTo(NonceStore.Outcome.EXPIRED);
        assertThat(store.consume(m)).isFalse();
    }

    @Test
    void defaultOutcomeOfAPlainStore() {
        NonceStore plain = new NonceStore() {
            @Override
            public String issue(Duration ttl) {
                return "x";
            }

            @Override
            public boolean consume(String nonce) {
                return "good1234".equals(nonce);
            }
        };
        assertThat(plain.consumeWithOutcome("good1234")).isEqualTo(NonceStore.Outcome.CONSUMED);
        assertThat(plain.consumeWithOutcome("bad12345")).isEqualTo(NonceStore.Outcome.REJECTED);
    }

    @Test
    void refusesNonPositiveTtl() {
        assertThatThrownBy(() -> store.issue(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.issue(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exactlyOneRacingConsumerWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 200; round++) {
                String n = store.issue(Duration.ofMinutes(1));
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    results.add(pool.submit(() -> {
                        go.await();
                        return store.consume(n);
                    }));
                }
                go.countDown();
                int wins = 0;
                for (Future<Boolean> f : results) {
                    wins += f.get(5, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(wins).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void expiredEntriesAreSwept() {
        for (int i = 0; i < 5000; i++) {
            store.issue(Duration.ofSeconds(1));
        }
        clock.set(clock.instant().plusSeconds(2));
        for (int i = 0; i < 5000; i++) {
            store.consume("unknown0");
        }
        assertThat(store.size()).isLessThan(5000);
    }
}
