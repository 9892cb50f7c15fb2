package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.testsupport.MutableClock;
import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.KeyResolution;
import io.edgeauth.broker.keys.KeyResolver;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.VerificationKey;
import io.edgeauth.broker.keys.TenantKeySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingTokenVerifierTest {
    @TempDir
    Path data;

    @Test
    void hitSkipsVerificationButStillRefusesExpiredTokens() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
        SigningKeyStore store = SigningKeyStore.open(data, List.of(TenantKeySettings.of("acme", "https://b/acme")),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        Signatures sig = new Signatures(CryptoProviders.jdk());
        TokenPolicy policy = TokenPolicy.builder().audience("aud").build();
        BrokerTokenVerifier real = new BrokerTokenVerifier(store, policy, sig, clock);
        AtomicInteger calls = new AtomicInteger();
        TokenVerifier counting = token -> {
            calls.incrementAndGet();
            return real.verify(token);
        };
        CachingTokenVerifier cache = new CachingTokenVerifier(counting, store, 1000, policy.leeway(), clock);
        TokenIssuer issuer = new TokenIssuer(store, sig, Duration.ofMinutes(5), clock);
        byte[] token = issuer.issue(TokenClaims.builder("acme", "dev").audience("aud").build(), TokenFormat.CWT).bytes();

        VerifiedToken first = cache.verify(token);
        VerifiedToken second = cache.verify(token);
        assertThat(second).isSameAs(first);
        assertThat(calls).hasValue(1);
        assertThat(cache.size()).isEqualTo(1);

        // refusals are not cached
        byte[] bad = token.clone();
        bad[bad.length - 1] ^= 1;
        assertReason(() -> cache.verify(bad), RejectionReason.BAD_SIGNATURE);
        assertReason(() -> cache.verify(bad), RejectionReason.BAD_SIGNATURE);
        assertThat(calls).hasValue(3);

        clock.advance(Duration.ofMinutes(5).plusSeconds(29));
        assertThat(cache.verify(token)).isSameAs(first); // within leeway
        clock.advance(Duration.ofSeconds(1));
        assertReason(() -> cache.verify(token), RejectionReason.EXPIRED);
        assertThat(calls).hasValue(3);
        assertReason(() -> cache.verify(token), RejectionReason.EXPIRED); // now from the real verifier
        assertThat(calls).hasValue(4);
    }

    @Test
    void aHitIsRefusedOnceItsKeyIsGoneOrReplaced() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
        SigningKeyStore store = SigningKeyStore.open(data, List.of(TenantKeySettings.of("acme", "https://b/acme")),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        Signatures sig = new Signatures(CryptoProviders.jdk());
        TokenPolicy policy = TokenPolicy.builder().audience("aud").build();
        java.util.concurrent.atomic.AtomicReference<KeyResolver> keys = new java.util.concurrent.atomic.AtomicReference<>(store);
        KeyResolver switchable = (iss, kid) -> keys.get().resolve(iss, kid);
        AtomicInteger calls = new AtomicInteger();
        BrokerTokenVerifier real = new BrokerTokenVerifier(switchable, policy, sig, clock);
        TokenVerifier counting = token -> {
            calls.incrementAndGet();
            return real.verify(token);
        };
        CachingTokenVerifier cache = new CachingTokenVerifier(counting, switchable, 1000, policy.leeway(), clock);
        byte[] token = new TokenIssuer(store, sig, Duration.ofMinutes(5), clock)
                .issue(TokenClaims.builder("acme", "dev").audience("aud").build(), TokenFormat.JWT).bytes();
        cache.verify(token);
        cache.verify(token);
        assertThat(calls).hasValue(1);

        // the same key material under the same kid (a JWKS refresh): still a hit
        keys.set((iss, kid) -> {
            KeyResolution r = store.resolve(iss, kid);
            return r.isFound() ? KeyResolution.found(new VerificationKey(r.key().issuer(), r.key().kid(), r.key().key(),
                    r.key().algorithms(), r.key().tenantId(), r.key().audiences())) : r;
        });
        cache.verify(token);
        assertThat(calls).hasValue(1);

        // another key under the same kid: verified again, and refused
        // P-256 like the real key (the JDK's default EC size is 384 bits from JDK 20 on)
        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair other = ec.generateKeyPair();
        keys.set((iss, kid) -> {
            KeyResolution r = store.resolve(iss, kid);
            return r.isFound() ? KeyResolution.found(new VerificationKey(r.key().issuer(), r.key().kid(), other.getPublic(),
                    r.key().algorithms(), r.key().tenantId(), r.key().audiences())) : r;
        });
        assertReason(() -> cache.verify(token), RejectionReason.BAD_SIGNATURE);

        // the key gone from its issuer: refused at once, not served from the cache
        keys.set(store);
        cache.verify(token);
        keys.set((iss, kid) -> KeyResolution.unknownKey());
        assertReason(() -> cache.verify(token), RejectionReason.UNKNOWN_KEY);
        keys.set((iss, kid) -> KeyResolution.unknownIssuer());
        assertReason(() -> cache.verify(token), RejectionReason.UNKNOWN_ISSUER);
    }
}
