package io.edgeauth.broker.token;

import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link TokenIssuer#rememberIssuedIn}: a token the broker signed is answered from the verification cache on
 * first use, with exactly what a full verification of its bytes gives.
 */
class IssuedTokensRememberedTest {
    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));
    private final AtomicInteger fullChecks = new AtomicInteger();
    private BrokerTokenVerifier real;
    private CachingTokenVerifier cache;
    private TokenIssuer issuer;

    @BeforeEach
    void setUp() throws Exception {
        SigningKeyStore keys = SigningKeyStore.open(data, List.of(TenantKeySettings.of("acme", "https://b/acme")),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        Signatures signatures = new Signatures(CryptoProviders.jdk());
        TokenPolicy policy = TokenPolicy.builder().audience("mqtt").audience("coap").build();
        real = new BrokerTokenVerifier(keys, policy, signatures, clock);
        TokenVerifier counting = token -> {
            fullChecks.incrementAndGet();
            return real.verify(token);
        };
        cache = new CachingTokenVerifier(counting, keys, 1000, policy.leeway(), clock);
        issuer = new TokenIssuer(keys, signatures, Duration.ofMinutes(10), clock).rememberIssuedIn(cache, real);
    }

    private static TokenClaims everyClaim() {
        return TokenClaims.builder("acme", "dev-1").audience("mqtt", "coap").scope("telemetry:write", "cmd:read")
                .geo("u33d", "u33e").region("eu-1").cnf(new Confirmation("x5t-value", "jkt-value")).actor("svc-9")
                .owner("did:pkh:eip155:1:0xabc").parentTokenIds(List.of("jti-a", "jti-b"))
                .lifetime(Duration.ofMinutes(5)).build();
    }

    @ParameterizedTest
    @EnumSource(value = TokenFormat.class, names = {"JWT", "CWT"})
    void theFirstUseNeedsNoSignatureCheckAndGetsWhatAFullCheckGives(TokenFormat format) throws Exception {
        IssuedToken token = issuer.issue(everyClaim(), format);

        VerifiedToken remembered = cache.verify(token.bytes());

        assertThat(fullChecks).hasValue(0);
        assertThat(remembered).isEqualTo(real.verify(token.bytes()));
        assertThat(remembered.scope()).containsExactlyInAnyOrder("telemetry:write", "cmd:read");
        assertThat(remembered.parentTokenIds()).containsExactly("jti-a", "jti-b");
    }

    @Test
    void aCwtIsRememberedAsTheTextADeviceMayPresentToo() throws Exception {
        IssuedToken token = issuer.issue(everyClaim(), TokenFormat.CWT);
        byte[] text = token.asText().getBytes(StandardCharsets.US_ASCII);

        VerifiedToken remembered = cache.verify(text);

        assertThat(fullChecks).hasValue(0);
        assertThat(remembered).isEqualTo(real.verify(text));
    }

    @Test
    void aTokenTheVerifierWouldRefuseIsNotRememberedAndIsRefusedOnUse() throws Exception {
        IssuedToken token = issuer.issue(TokenClaims.builder("acme", "dev-1").audience("elsewhere").build(),
                TokenFormat.JWT);

        assertReason(() -> cache.verify(token.bytes()), RejectionReason.WRONG_AUDIENCE);
        assertThat(fullChecks).hasValue(1);
        assertThat(cache.size()).isZero();
    }

    @Test
    void aRememberedTokenStillExpires() throws Exception {
        IssuedToken token = issuer.issue(everyClaim(), TokenFormat.JWT);
        clock.advance(Duration.ofMinutes(6));

        assertReason(() -> cache.verify(token.bytes()), RejectionReason.EXPIRED);
    }

    @Test
    void withoutRememberingTheFirstUseIsAFullCheck() throws Exception {
        IssuedToken token = new TokenIssuer(
                SigningKeyStore.open(data, List.of(TenantKeySettings.of("acme", "https://b/acme")),
                        TokenPolicy.DEFAULT_MAX_LIFETIME, clock),
                new Signatures(CryptoProviders.jdk()), Duration.ofMinutes(10), clock).issue(everyClaim(), TokenFormat.JWT);

        cache.verify(token.bytes());

        assertThat(fullChecks).hasValue(1);
    }
}
