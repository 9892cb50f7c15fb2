package io.edgeauth.broker.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefreshTokensTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private MvStoreStore store;
    private RefreshTokens tokens;

    @BeforeEach
    void setUp() {
        store = new MvStoreStore(dir.resolve("s.mv"), clock);
        tokens = new RefreshTokens(store, clock, Duration.ofDays(1));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void rotatesAndKeepsTheGrant() {
        String first = tokens.issue("did:pkh:eip155:1:0xabc", "default");
        RefreshTokens.Rotation r = tokens.rotate(first);
        assertThat(r.failure()).isNull();
        assertThat(r.token()).get().isNotEqualTo(first);
        assertThat(r.grant()).get().extracting(RefreshTokens.Grant::subject).isEqualTo("did:pkh:eip155:1:0xabc");
        assertThat(tokens.rotate(r.token().get()).failure()).isNull();
    }

    @Test
    void reuseOfASpentTokenRevokesTheWholeFamily() {
        String first = tokens.issue("did:x", "default");
        String second = tokens.rotate(first).token().orElseThrow();
        assertThat(tokens.rotate(first).failure()).isEqualTo(RefreshTokens.Failure.REUSED_FAMILY_REVOKED);
        assertThat(tokens.rotate(second).failure()).as("the thief's and the owner's tokens both die")
                .isEqualTo(RefreshTokens.Failure.FAMILY_REVOKED);
        String other = tokens.issue("did:x", "default");
        assertThat(tokens.rotate(other).failure()).as("other logins are unaffected").isNull();
    }

    @Test
    void aRefusedAdmissionSpendsNothingAndAReplayIsDetectedWithoutAskingIt() {
        String first = tokens.issue("did:x", "default");
        RefreshTokens.Rotation refused = tokens.rotate(first, g -> {
            throw new TokenRejectedException(RejectionReason.RATE_LIMITED, "over budget").retryAfter(7);
        });
        assertThat(refused.failure()).isEqualTo(RefreshTokens.Failure.RATE_LIMITED);
        assertThat(refused.retryAfterSeconds()).isEqualTo(7);
        assertThat(refused.token()).isEmpty();
        assertThat(refused.grant()).get().extracting(RefreshTokens.Grant::subject).isEqualTo("did:x");
        List<RefreshTokens.Grant> asked = new ArrayList<>();
        String second = tokens.rotate(first, asked::add).token().orElseThrow(); // the refused try spent nothing
        assertThat(asked).extracting(RefreshTokens.Grant::subject).containsExactly("did:x");
        RefreshTokens.Admission never = g -> {
            throw new AssertionError("asked for a token that is spent, revoked or unknown");
        };
        assertThat(tokens.rotate(first, never).failure()).as("a replay is a reuse, whatever the budget")
                .isEqualTo(RefreshTokens.Failure.REUSED_FAMILY_REVOKED);
        assertThat(tokens.rotate(second, never).failure()).isEqualTo(RefreshTokens.Failure.FAMILY_REVOKED);
        assertThat(tokens.rotate("rt_nope", never).failure()).isEqualTo(RefreshTokens.Failure.UNKNOWN);
    }

    @Test
    void unknownAndExpiredAreRefusedAndOnlyHashesAreStored() {
        assertThat(tokens.rotate("rt_nope").failure()).isEqualTo(RefreshTokens.Failure.UNKNOWN);
        assertThat(tokens.rotate("x".repeat(500)).failure()).isEqualTo(RefreshTokens.Failure.UNKNOWN);
        String t = tokens.issue("did:x", "default");
        store.forEach(RefreshTokens.TOKENS, (k, v) -> assertThat(k).isNotEqualTo(t).doesNotContain("rt_"));
        clock.advance(Duration.ofDays(1).plusSeconds(1));
        assertThat(tokens.rotate(t).failure()).isIn(RefreshTokens.Failure.EXPIRED, RefreshTokens.Failure.UNKNOWN);
    }

    @Test
    void noncesAreSingleUseAndExpire() {
        StoreNonceStore nonces = new StoreNonceStore(store, clock);
        String n = nonces.issue(Duration.ofMinutes(5));
        assertThat(n).matches("[0-9A-Za-z]{22}");
        assertThat(nonces.consume(n)).isTrue();
        assertThat(nonces.consume(n)).isFalse();
        String m = nonces.issue(Duration.ofMinutes(5));
        clock.advance(Duration.ofMinutes(6));
        assertThat(nonces.consume(m)).isFalse();
        assertThat(nonces.consume(null)).isFalse();
    }

    /** isLive looks without consuming: a login with a dead nonce is refused before its signature is checked. */
    @Test
    void isLiveLooksWithoutConsuming() {
        StoreNonceStore nonces = new StoreNonceStore(store, clock);
        String n = nonces.issue(Duration.ofMinutes(5));
        assertThat(nonces.isLive(n)).isTrue();
        assertThat(nonces.isLive(n)).isTrue();
        assertThat(nonces.consume(n)).isTrue();
        assertThat(nonces.isLive(n)).isFalse();
        assertThat(nonces.isLive("NeverIssued123456")).isFalse();
        assertThat(nonces.isLive(null)).isFalse();
        assertThat(nonces.isLive("A".repeat(65))).isFalse();
        String m = nonces.issue(Duration.ofMinutes(5));
        clock.advance(Duration.ofMinutes(6));
        assertThat(nonces.isLive(m)).isFalse();
    }
}
