package io.edgeauth.broker.token;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies a device's {@code client_assertion} (RFC 7523 {@code private_key_jwt}) at the token
 * endpoint: a JWT signed by the device's registered public JWK (EC P-256/384/521, Ed25519 or RSA; the
 * {@code alg} must fit the key type, never HMAC), {@code iss} = {@code sub} = device id, {@code aud}
 * one of the accepted values (token endpoint URL or issuer), {@code exp} required and at most
 * 5 minutes ahead, {@code jti} required and single-use through a {@link ReplayGuard}. The jti is
 * recorded only after everything else passed, so forged assertions cannot burn a device's jtis.
 * Thread-safe.
 */
public final class ClientAssertionVerifier {
    /** How far in the future {@code exp} may be. */
    public static final Duration MAX_ASSERTION_LIFETIME = Duration.ofMinutes(5);
    private static final int MAX_ASSERTION_BYTES = 16 * 1024; // room for an x5c chain of a few EC certificates

    /** Looks up a registered device's public key; empty for an unknown device. Must not block long. */
    @FunctionalInterface
    public interface DeviceKeys {
        Optional<JWK> publicKey(String deviceId);

        /**
         * Why {@code deviceId} has no key, when it is registered with another credential (say which, and how it
         * authenticates); null when it is not registered at all.
         */
        default String withoutKey(String deviceId) {
            return null;
        }
    }

    private volatile Set<String> audiences; // replaced, never changed: read without a lock on every verification
    private final String wrongAudience;
    private final ReplayGuard replayGuard;
    private final Signatures signatures;
    private final Clock clock;
    private final long leewaySeconds;

    /**
     * @param audiences   accepted {@code aud} values: the token endpoint URL and the issuer
     * @param replayGuard jti store
     * @param signatures  signature engine
     * @param leeway      clock leeway (at most 30 s)
     * @param clock       time source
     */
    public ClientAssertionVerifier(Set<String> audiences, ReplayGuard replayGuard, Signatures signatures,
                                   Duration leeway, Clock clock) {
        if (audiences.isEmpty()) {
            throw new IllegalArgumentException("at least one audience");
        }
        if (leeway.isNegative() || leeway.compareTo(TokenPolicy.MAX_LEEWAY) > 0) {
            throw new IllegalArgumentException("leeway must be within 0..30 s");
        }
        this.audiences = Set.copyOf(audiences);
        // the refusal names what is accepted (public, in discovery): a client behind a node that is not the public URL
        // otherwise cannot tell which aud it must send
        String endpoint = audiences.stream().filter(a -> a.endsWith("/oauth/token")).sorted().findFirst()
                .orElse(audiences.stream().sorted().findFirst().orElseThrow());
        this.wrongAudience = "aud must name the token endpoint or issuer, e.g. " + endpoint;
        this.replayGuard = Objects.requireNonNull(replayGuard, "replayGuard");
        this.signatures = Objects.requireNonNull(signatures, "signatures");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.leewaySeconds = leeway.getSeconds();
    }

    /**
     * Accepts {@code audience} as well from now on: the HTTPS listener's token endpoint URL (RFC 8705 §5 alias), known
     * only once the listener has bound its port. The refusal text keeps naming the public token endpoint.
     */
    public synchronized void acceptAudience(String audience) {
        Set<String> more = new java.util.HashSet<>(audiences);
        more.add(Objects.requireNonNull(audience, "audience"));
        audiences = Set.copyOf(more);
    }

    /** Why a {@code client_id} beside an assertion is refused ({@link #namesAnotherClient}). */
    public static final String CLIENT_ID_NOT_SUB = "client_id names another client than the client_assertion's sub"
            + " (RFC 7523 §3: sub is the client_id)";

    /**
     * Whether a {@code client_id} given beside an assertion names another client than the assertion's {@code sub}
     * (else {@code iss}), read unverified, so a refused request spends no {@code jti}: RFC 7523 §3, the {@code sub} is
     * the {@code client_id}. False without a {@code client_id} or for an assertion that cannot be read (refused when
     * it is verified). The one rule of both token endpoints, {@code /oauth/token} and CoAP {@code /token} (tour X, X3).
     */
    public static boolean namesAnotherClient(String clientId, String assertion) {
        if (clientId == null || assertion == null) {
            return false;
        }
        try {
            DecodedAssertion decoded = decode(assertion);
            String claimed = decoded.subject() != null ? decoded.subject() : decoded.issuer();
            return claimed != null && !clientId.equals(claimed);
        } catch (TokenRejectedException e) {
            return false;
        }
    }

    /**
     * Reads an assertion once, for {@link #verify(DecodedAssertion, DeviceKeys)} or
     * {@link #verifySecretJwt(DecodedAssertion, java.util.function.Function)}.
     *
     * @throws TokenRejectedException MALFORMED, OVERSIZED or UNSUPPORTED_ALGORITHM (the claims are checked when it
     *         is verified)
     */
    public static DecodedAssertion decode(String assertion) throws TokenRejectedException {
        if (assertion == null || assertion.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "empty assertion");
        }
        if (assertion.length() > MAX_ASSERTION_BYTES) {
            throw new TokenRejectedException(RejectionReason.OVERSIZED, "assertion too large");
        }
        try {
            return decodeJwt(assertion.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException | StackOverflowError e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "unparseable assertion");
        }
    }

    /**
     * Verifies an assertion and uses up its jti.
     *
     * @throws TokenRejectedException with MALFORMED, OVERSIZED, UNSUPPORTED_ALGORITHM, MISSING_CLAIM,
     *         CLIENT_ID_MISMATCH (iss != sub), UNKNOWN_DEVICE, BAD_SIGNATURE, EXPIRED,
     *         LIFETIME_TOO_LONG (exp more than 5 min ahead), NOT_YET_VALID, ISSUED_IN_FUTURE,
     *         WRONG_AUDIENCE or REPLAYED
     */
    public ClientAssertion verify(String assertion, DeviceKeys deviceKeys) throws TokenRejectedException {
        return verify(decode(assertion), deviceKeys);
    }

    /** As {@link #verify(String, DeviceKeys)}, for an assertion already read by {@link #decode}. */
    public ClientAssertion verify(DecodedAssertion assertion, DeviceKeys deviceKeys) throws TokenRejectedException {
        return verify(assertion, deviceKeys, null);
    }

    /**
     * As {@link #verify(DecodedAssertion, DeviceKeys)} for the one client whose key is also at hand as a JCA key (a
     * certificate's): {@code key} checks the signature when {@code deviceKeys} names {@code jwk} for the claimed
     * client, without converting the JWK back into a JCA key.
     */
    public ClientAssertion verify(DecodedAssertion assertion, String clientId, JWK jwk, PublicKey key)
            throws TokenRejectedException {
        return verify(assertion, claimed -> claimed.equals(clientId) ? Optional.of(jwk) : Optional.empty(), key);
    }

    /**
     * An assertion verified, its jti's single use decided, and the future of that use being durable: the caller awaits
     * it before it answers, after its own writes, so that where the store groups commits they share one.
     */
    public record SpentLater(ClientAssertion assertion, java.util.concurrent.CompletableFuture<Void> spent) { }

    /** As {@link #verify(DecodedAssertion, String, JWK, PublicKey)}, the jti's durability left to the caller. */
    public SpentLater verifySpendingLater(DecodedAssertion assertion, String clientId, JWK jwk, PublicKey key)
            throws TokenRejectedException {
        return verify(assertion, claimed -> claimed.equals(clientId) ? Optional.of(jwk) : Optional.empty(), key, true);
    }

    private ClientAssertion verify(DecodedAssertion assertion, DeviceKeys deviceKeys, PublicKey knownKey)
            throws TokenRejectedException {
        return verify(assertion, deviceKeys, knownKey, false).assertion();
    }

    private SpentLater verify(DecodedAssertion assertion, DeviceKeys deviceKeys, PublicKey knownKey, boolean later)
            throws TokenRejectedException {
        try {
            return check(assertion.token(), deviceKeys, knownKey, later);
        } catch (RuntimeException e) {
            throw unparseableOrUnavailable(e);
        } catch (StackOverflowError e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "unparseable assertion");
        }
    }

    /**
     * Verifies an RFC 7523 §2.2 {@code client_secret_jwt}: HS256 over the assertion with the client's
     * secret ({@code secrets} gives it by client id, e.g. derived from an enrollment group's secret), then
     * the same claim checks as {@link #verify}, and uses up the jti. HS256 only; the MAC is compared in
     * constant time.
     */
    public ClientAssertion verifySecretJwt(String assertion, java.util.function.Function<String, Optional<byte[]>> secrets)
            throws TokenRejectedException {
        return verifySecretJwt(decode(assertion), secrets);
    }

    /** As {@link #verifySecretJwt(String, java.util.function.Function)}, for an assertion already read. */
    public ClientAssertion verifySecretJwt(DecodedAssertion assertion,
                                           java.util.function.Function<String, Optional<byte[]>> secrets)
            throws TokenRejectedException {
        return verifySecretJwt(assertion, secrets, false).assertion();
    }

    /** As {@link #verifySecretJwt(DecodedAssertion, java.util.function.Function)}, the jti's durability left to the caller. */
    public SpentLater verifySecretJwtSpendingLater(DecodedAssertion assertion,
                                                   java.util.function.Function<String, Optional<byte[]>> secrets)
            throws TokenRejectedException {
        return verifySecretJwt(assertion, secrets, true);
    }

    private SpentLater verifySecretJwt(DecodedAssertion assertion,
                                       java.util.function.Function<String, Optional<byte[]>> secrets, boolean later)
            throws TokenRejectedException {
        try {
            DecodedToken d = assertion.token();
            RawClaims c = d.claims();
            requireClientId(c);
            if (d.algorithm() != TokenAlgorithm.HS256) {
                throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "client_secret_jwt needs HS256");
            }
            byte[] secret = secrets.apply(c.issuer()).orElseThrow(() ->
                    TokenRejectedException.unknownClient("no secret for the client"));
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
            mac.update(d.signed(), 0, d.signedLength());
            if (!java.security.MessageDigest.isEqual(mac.doFinal(), d.signature())) {
                throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, "MAC does not verify");
            }
            java.util.concurrent.CompletableFuture<Void> spent = checkClaims(c, later);
            return new SpentLater(new ClientAssertion(c.issuer(), c.tokenId(), c.expiresAt(), null), spent);
        } catch (GeneralSecurityException e) {
            throw new TokenRejectedException(RejectionReason.INTERNAL_ERROR, "HMAC unavailable");
        } catch (RuntimeException e) {
            throw unparseableOrUnavailable(e);
        } catch (StackOverflowError e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "unparseable assertion");
        }
    }

    /**
     * What a runtime failure inside the checks means: the store of spent jtis failing (a full disk, Redis down) is an
     * outage the client retries, anything else input the parser could not take.
     */
    private static TokenRejectedException unparseableOrUnavailable(RuntimeException e) {
        if (io.edgeauth.broker.store.StoreUnavailableException.isCauseOf(e)) {
            return new TokenRejectedException(RejectionReason.UNAVAILABLE, "store unavailable: the assertion's jti "
                    + "cannot be checked for reuse; retry");
        }
        return new TokenRejectedException(RejectionReason.MALFORMED, "unparseable assertion");
    }

    /** A compact JWS, decoded but not yet verified. */
    private static DecodedAssertion decodeJwt(byte[] bytes) throws TokenRejectedException {
        if (!JwtDecoder.looksLikeJwt(bytes)) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "not a JWT");
        }
        JwtDecoder.JwsParts parts = JwtDecoder.parts(bytes, false);
        return new DecodedAssertion(JwtDecoder.decode(bytes, parts), parts.x5c());
    }

    /** A client's own assertion: {@code iss} and {@code sub} name the same client. */
    private static void requireClientId(RawClaims c) throws TokenRejectedException {
        if (c.issuer() == null || c.subject() == null) {
            throw new TokenRejectedException(RejectionReason.MISSING_CLAIM, "iss and sub required");
        }
        if (!c.issuer().equals(c.subject())) {
            throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, "iss must equal sub");
        }
    }

    /** {@code knownKey}: the JCA form of the key {@code deviceKeys} gives, or null to convert it here. */
    private SpentLater check(DecodedToken d, DeviceKeys deviceKeys, PublicKey knownKey, boolean later)
            throws TokenRejectedException {
        RawClaims c = d.claims();
        requireClientId(c);
        Optional<JWK> jwk = deviceKeys.publicKey(c.issuer());
        if (jwk.isEmpty()) {
            String other = deviceKeys.withoutKey(c.issuer());
            // an id nobody registered is answered as a forgery (no device enumeration, tour AA, AA12); one registered
            // with another credential is told how it authenticates (tour N, N12)
            throw other != null ? new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE, other)
                    : TokenRejectedException.unknownClient("no registered key for the client");
        }
        // toPublicJWK() builds a new JWK and checks its point on the curve again: only when there is a private part
        JWK publicJwk = jwk.get().isPrivate() ? jwk.get().toPublicJWK() : jwk.get();
        PublicKey key;
        try {
            key = knownKey != null ? knownKey : JwkKeys.publicKey(publicJwk);
        } catch (GeneralSecurityException e) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "registered key type not supported");
        }
        TokenAlgorithm alg = d.algorithm();
        if (alg.isMac() || !Signatures.keyMatches(alg, key)) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "alg does not fit the registered key");
        }
        if (!signatures.verify(alg, key, d.signed(), d.signedLength(), d.signature())) {
            throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, "signature does not verify");
        }
        java.util.concurrent.CompletableFuture<Void> spent = checkClaims(c, later);
        return new SpentLater(new ClientAssertion(c.issuer(), c.tokenId(), c.expiresAt(), JwkKeys.thumbprint(publicJwk)),
                spent);
    }

    /** The claim checks, then the jti's single use: recorded durably before it returns unless {@code later}. */
    private java.util.concurrent.CompletableFuture<Void> checkClaims(RawClaims c, boolean later)
            throws TokenRejectedException {
        if (c.expiresAt() == null) {
            throw new TokenRejectedException(RejectionReason.MISSING_CLAIM, "exp required");
        }
        if (c.tokenId() == null || c.tokenId().isEmpty()) {
            throw new TokenRejectedException(RejectionReason.MISSING_CLAIM, "jti required");
        }
        Instant now = clock.instant();
        long nowS = now.getEpochSecond();
        long exp = c.expiresAt().getEpochSecond();
        // the broker's time in every time refusal: a device whose clock is off sees by how much. The clock checks
        // (iat, nbf ahead) come before the lifetime one: a fast clock moves exp ahead too, and the cause is the clock
        String brokerTime = " (broker time " + Instant.ofEpochSecond(nowS) + "; check the device clock)";
        if (nowS >= exp + leewaySeconds) {
            throw new TokenRejectedException(RejectionReason.EXPIRED, "assertion expired at " + c.expiresAt() + brokerTime);
        }
        if (c.issuedAt() != null && c.issuedAt().getEpochSecond() > nowS + leewaySeconds) {
            throw new TokenRejectedException(RejectionReason.ISSUED_IN_FUTURE, "iat " + c.issuedAt() + " in the future"
                    + brokerTime);
        }
        if (c.notBefore() != null && c.notBefore().getEpochSecond() > nowS + leewaySeconds) {
            throw new TokenRejectedException(RejectionReason.NOT_YET_VALID, "nbf " + c.notBefore() + " in the future"
                    + brokerTime);
        }
        if (exp > nowS + MAX_ASSERTION_LIFETIME.getSeconds() + leewaySeconds) {
            throw new TokenRejectedException(RejectionReason.LIFETIME_TOO_LONG, "exp " + c.expiresAt()
                    + " more than 5 minutes ahead" + brokerTime);
        }
        if (c.audience().stream().noneMatch(audiences::contains)) {
            throw new TokenRejectedException(RejectionReason.WRONG_AUDIENCE, wrongAudience);
        }
        // per client: two devices may pick the same jti without interfering
        String key = c.issuer() + '\u0000' + c.tokenId();
        java.util.concurrent.CompletableFuture<Void> spent = later ? replayGuard.firstUseDeferred(key, c.expiresAt())
                : replayGuard.firstUse(key, c.expiresAt()) ? java.util.concurrent.CompletableFuture.completedFuture(null)
                : null;
        if (spent == null) {
            throw new TokenRejectedException(RejectionReason.REPLAYED, "assertion jti already used");
        }
        return spent;
    }
}
