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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingTokenVerifierTest {
    private static final javax.crypto.SecretKey SEAL = new javax.crypto.spec.SecretKeySpec(new byte[32], "AES");
    @TempDir
    Path data;
    private MutableClock clock;
    private SigningKeyStore store;
    private final Signatures sig = new Signatures(CryptoProviders.jdk());
    private final TokenPolicy policy = TokenPolicy.builder().audience("aud").build();

    @BeforeEach
    void keys() throws Exception {
        clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
        store = SigningKeyStore.open(data, List.of(TenantKeySettings.of("acme", "https://b/acme")),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
    }

    @Test
    void hitSkipsVerificationButStillRefusesExpiredTokens() throws Exception {
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

    /** Counts full verifications and those that may skip the signature. */
    private static final class Counting implements TokenVerifier {
        final BrokerTokenVerifier real;
        final AtomicInteger full = new AtomicInteger();
        final AtomicInteger known = new AtomicInteger();

        Counting(BrokerTokenVerifier real) {
            this.real = real;
        }

        @Override
        public VerifiedToken verify(byte[] token) throws io.edgeauth.broker.refusal.TokenRejectedException {
            full.incrementAndGet();
            return real.verify(token);
        }

        @Override
        public VerifiedToken verifyKnownSignature(byte[] token, VerificationKey key)
                throws io.edgeauth.broker.refusal.TokenRejectedException {
            known.incrementAndGet();
            return real.verifyKnownSignature(token, key);
        }
    }

    @Test
    void aTokenVerifiedBeforeARestartIsCheckedAgainButForItsSignature() throws Exception {
        TokenIssuer issuer = new TokenIssuer(store, sig, Duration.ofMinutes(5), clock);
        byte[] jwt = issuer.issue(TokenClaims.builder("acme", "dev-1").audience("aud").build(), TokenFormat.JWT).bytes();
        byte[] cwt = issuer.issue(TokenClaims.builder("acme", "dev-2").audience("aud").build(), TokenFormat.CWT).bytes();
        byte[] unseen = issuer.issue(TokenClaims.builder("acme", "dev-3").audience("aud").build(), TokenFormat.JWT).bytes();
        Counting before = new Counting(new BrokerTokenVerifier(store, policy, sig, clock));
        CachingTokenVerifier first = new CachingTokenVerifier(before, store, 1000, policy.leeway(), clock);
        first.verify(jwt);
        first.verify(cwt);
        Path file = data.resolve("verified-tokens.bin");
        assertThat(first.saveTo(file, SEAL)).isEqualTo(2);

        Counting after = new Counting(new BrokerTokenVerifier(store, policy, sig, clock));
        CachingTokenVerifier restarted = new CachingTokenVerifier(after, store, 1000, policy.leeway(), clock);
        assertThat(restarted.restoreFrom(file, SEAL)).isEqualTo(2);
        assertThat(restarted.verify(jwt).subject()).isEqualTo("dev-1");
        assertThat(restarted.verify(cwt).subject()).isEqualTo("dev-2");
        assertThat(after.known).hasValue(2);
        assertThat(after.full).hasValue(0);
        restarted.verify(jwt); // a hit now
        restarted.verify(unseen); // never verified before: checked in full
        assertThat(after.known).hasValue(2);
        assertThat(after.full).hasValue(1);

        // a restored token is still checked for everything else: expired by the time it comes back
        CachingTokenVerifier late = new CachingTokenVerifier(after, store, 1000, policy.leeway(), clock);
        late.restoreFrom(file, SEAL);
        clock.advance(Duration.ofMinutes(6));
        assertReason(() -> late.verify(jwt), RejectionReason.EXPIRED);
        // and expired ones are not restored at all
        assertThat(new CachingTokenVerifier(after, store, 1000, policy.leeway(), clock).restoreFrom(file, SEAL)).isZero();
    }

    @Test
    void aRestoredTokenWhoseKeyChangedOrWentIsVerifiedInFull() throws Exception {
        byte[] token = new TokenIssuer(store, sig, Duration.ofMinutes(5), clock)
                .issue(TokenClaims.builder("acme", "dev").audience("aud").build(), TokenFormat.JWT).bytes();
        CachingTokenVerifier first = new CachingTokenVerifier(new BrokerTokenVerifier(store, policy, sig, clock), store,
                1000, policy.leeway(), clock);
        first.verify(token);
        Path file = data.resolve("verified-tokens.bin");
        first.saveTo(file, SEAL);

        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.PublicKey other = ec.generateKeyPair().getPublic();
        KeyResolver replaced = (iss, kid) -> {
            KeyResolution r = store.resolve(iss, kid);
            return r.isFound() ? KeyResolution.found(new VerificationKey(r.key().issuer(), r.key().kid(), other,
                    r.key().algorithms(), r.key().tenantId(), r.key().audiences())) : r;
        };
        Counting counting = new Counting(new BrokerTokenVerifier(replaced, policy, sig, clock));
        CachingTokenVerifier rotated = new CachingTokenVerifier(counting, replaced, 1000, policy.leeway(), clock);
        assertThat(rotated.restoreFrom(file, SEAL)).isEqualTo(1);
        assertReason(() -> rotated.verify(token), RejectionReason.BAD_SIGNATURE);
        assertThat(counting.known).hasValue(0);
        assertThat(counting.full).hasValue(1);

        KeyResolver gone = (iss, kid) -> KeyResolution.unknownKey();
        CachingTokenVerifier withoutKey = new CachingTokenVerifier(new BrokerTokenVerifier(gone, policy, sig, clock),
                gone, 1000, policy.leeway(), clock);
        withoutKey.restoreFrom(file, SEAL);
        assertReason(() -> withoutKey.verify(token), RejectionReason.UNKNOWN_KEY);

        // a damaged file restores nothing and says so
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        java.nio.file.Files.write(file, bytes);
        CachingTokenVerifier damaged = new CachingTokenVerifier(counting, store, 1000, policy.leeway(), clock);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> damaged.restoreFrom(file, SEAL))
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void theSignatureIsSkippedOnlyWhileTheTokenNamesTheKeyThatVerifiedItBefore() throws Exception {
        BrokerTokenVerifier real = new BrokerTokenVerifier(store, policy, sig, clock);
        String jwt = new String(new TokenIssuer(store, sig, Duration.ofMinutes(5), clock)
                .issue(TokenClaims.builder("acme", "dev").audience("aud").build(), TokenFormat.JWT).bytes(),
                java.nio.charset.StandardCharsets.US_ASCII);
        VerificationKey ours = store.resolve("https://b/acme", real.verify(jwt.getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)).keyId()).key();
        int sigStart = jwt.lastIndexOf('.') + 1;
        char c = jwt.charAt(sigStart + 10);
        byte[] forged = (jwt.substring(0, sigStart + 10) + (c == 'A' ? 'B' : 'A') + jwt.substring(sigStart + 11))
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertReason(() -> real.verify(forged), RejectionReason.BAD_SIGNATURE);
        // what the cache vouches for (the digest of these exact bytes) is what decides; the verifier trusts its caller
        assertThat(real.verifyKnownSignature(forged, ours).subject()).isEqualTo("dev");
        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        VerificationKey another = new VerificationKey(ours.issuer(), ours.kid(), ec.generateKeyPair().getPublic(),
                ours.algorithms(), ours.tenantId(), ours.audiences());
        assertReason(() -> real.verifyKnownSignature(forged, another), RejectionReason.BAD_SIGNATURE);
    }
}
