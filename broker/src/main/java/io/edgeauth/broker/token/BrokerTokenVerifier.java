package io.edgeauth.broker.token;

import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.KeyResolution;
import io.edgeauth.broker.keys.KeyResolver;
import io.edgeauth.broker.keys.VerificationKey;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.time.Clock;
import java.util.Base64;
import java.util.Objects;

/**
 * The broker's {@link TokenVerifier}: one implementation for JWT and CWT. The format is detected from
 * the bytes (a JWT starts with {@code ey}; anything else is CBOR, or base64url-encoded CBOR as the
 * token endpoint hands CWTs out), and after decoding both take the same path:
 *
 * <ol>
 *   <li>size limit before any parsing ({@code OVERSIZED});</li>
 *   <li>structure ({@code MALFORMED}), algorithm known and never {@code none}
 *       ({@code UNSUPPORTED_ALGORITHM}), {@code kid} present ({@code MISSING_KID}), {@code iss} present;</li>
 *   <li>key by (iss, kid) from the {@link KeyResolver} ({@code UNKNOWN_ISSUER}/{@code UNKNOWN_KEY});
 *       keys named in the token are ignored;</li>
 *   <li>the token's algorithm must be allowed for that key and fit its type and curve
 *       ({@code UNSUPPORTED_ALGORITHM}): this is what stops HMAC-with-a-public-key confusion and e.g.
 *       a P-256 key used with ES512;</li>
 *   <li>signature/MAC ({@code BAD_SIGNATURE});</li>
 *   <li>claims by {@link ClaimsValidator} (exp, lifetime, nbf, iat, aud, tenant).</li>
 * </ol>
 *
 * <p>Encrypted tokens (a nested JWT in a JWE, a CWT in a COSE_Encrypt0) are opened first with the
 * broker's {@link TokenEncryption} keys, when configured; what is inside must be a signed token and
 * takes the path above, so a token whose inner signature fails is refused like any forgery. A failed
 * decryption is {@code BAD_SIGNATURE}, an unknown encryption key {@code UNKNOWN_KEY}.
 *
 * <p>Only {@link TokenRejectedException} leaves {@link #verify}: parser exceptions become
 * {@code MALFORMED}. Thread-safe, no I/O, no blocking.
 */
public final class BrokerTokenVerifier implements TokenVerifier {
    private final KeyResolver keys;
    private final TokenPolicy policy;
    private final Signatures signatures;
    private final ClaimsValidator claims;
    private final Clock clock;
    private final TokenEncryption encryption;

    /**
     * @param keys       where verification keys come from (usually
     *                   {@code KeyResolver.chain(signingKeyStore, trustedIssuers)})
     * @param policy     size, lifetime, leeway and audience limits
     * @param signatures signature engine bound to the chosen provider
     * @param clock      time source
     */
    public BrokerTokenVerifier(KeyResolver keys, TokenPolicy policy, Signatures signatures, Clock clock) {
        this(keys, policy, signatures, clock, null);
    }

    /**
     * A verifier that also opens encrypted tokens.
     *
     * @param encryption the broker's token encryption keys, or null to refuse encrypted tokens
     */
    public BrokerTokenVerifier(KeyResolver keys, TokenPolicy policy, Signatures signatures, Clock clock,
                               TokenEncryption encryption) {
        this.encryption = encryption;
        this.keys = Objects.requireNonNull(keys, "keys");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.signatures = Objects.requireNonNull(signatures, "signatures");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.claims = new ClaimsValidator(policy);
    }

    public TokenPolicy policy() {
        return policy;
    }

    @Override
    public VerifiedToken verify(byte[] token) throws TokenRejectedException {
        return verify(token, null);
    }

    @Override
    public VerifiedToken verifyKnownSignature(byte[] token, VerificationKey key) throws TokenRejectedException {
        return verify(token, Objects.requireNonNull(key, "key"));
    }

    /** @param knownBy a key this token's signature verified with before, or null to check the signature */
    private VerifiedToken verify(byte[] token, VerificationKey knownBy) throws TokenRejectedException {
        if (token == null || token.length == 0) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "empty token");
        }
        if (token.length > policy.maxTokenBytes()) {
            throw new TokenRejectedException(RejectionReason.OVERSIZED, "token larger than " + policy.maxTokenBytes() + " bytes");
        }
        try {
            return check(decode(token), token, knownBy);
        } catch (RuntimeException | StackOverflowError e) {
            // a parser choked on hostile input: a refusal, never a crash
            throw new TokenRejectedException(RejectionReason.MALFORMED, "unparseable token");
        }
    }

    private DecodedToken decode(byte[] token) throws TokenRejectedException {
        if (NestedJwt.looksLikeJwe(token)) {
            if (encryption == null) {
                NestedJwt.parse(token); // five parts that are no JWE at all are malformed, not unsupported
                throw notEnabled();
            }
            return JwtDecoder.decode(encryption.openJwe(token), true).as(TokenFormat.JWE);
        }
        if (JwtDecoder.looksLikeJwt(token)) {
            return JwtDecoder.decode(token, true);
        }
        int first = token[0] & 0xff;
        byte[] cbor = first >= 0x80 ? token : base64Cbor(token); // CBOR array or tag: a COSE message
        if (CoseEncrypt0.looksLikeEncrypt0(cbor)) {
            if (encryption == null) {
                CoseEncrypt0.decode(cbor);
                throw notEnabled();
            }
            return CwtDecoder.decode(encryption.openCose(cbor)).as(TokenFormat.CWT_ENCRYPTED);
        }
        return CwtDecoder.decode(cbor);
    }

    private static TokenRejectedException notEnabled() {
        return new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "encrypted tokens are not enabled");
    }

    private static byte[] base64Cbor(byte[] token) throws TokenRejectedException {
        byte[] cbor;
        try {
            cbor = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "neither JWT nor CWT");
        }
        if (cbor.length == 0 || (cbor[0] & 0xff) < 0x80) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "neither JWT nor CWT");
        }
        return cbor;
    }

    /**
     * What {@link #verify} would answer for a token this broker has just signed with claims {@code signed}, without
     * decoding it or checking the signature it computed itself: the same key look-up and claims check. Null if the
     * verifier would refuse it (then it is not remembered, and refused on use).
     */
    VerifiedToken issuedHere(TokenFormat format, RawClaims signed, String kid, TokenAlgorithm algorithm,
                             int tokenLength, String fingerprint) {
        KeyResolution res = keys.resolve(signed.issuer(), kid);
        if (!res.isFound() || !res.key().algorithms().contains(algorithm) || tokenLength > policy.maxTokenBytes()) {
            return null;
        }
        try {
            return claims.validate(format, signed, res.key(), fingerprint, clock.instant());
        } catch (TokenRejectedException e) {
            return null;
        }
    }

    /**
     * A key leaves the JWKS once the tokens it signed have expired, so an old token meets an unknown kid: say that its
     * (unverified: the key is gone) exp has passed, lest an operator read a forgery into it. Still refused.
     */
    private String retiredHint(RawClaims c) {
        java.time.Instant exp = c.expiresAt();
        if (exp == null || !exp.isBefore(clock.instant())) {
            return "";
        }
        return "; the token's exp " + exp + " has passed (unverified): likely an expired token whose key was retired";
    }

    private VerifiedToken check(DecodedToken d, byte[] token, VerificationKey knownBy) throws TokenRejectedException {
        String issuer = d.claims().issuer();
        if (issuer == null || issuer.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.MISSING_CLAIM, "iss required");
        }
        KeyResolution res = keys.resolve(issuer, d.kid());
        if (!res.isFound()) {
            throw new TokenRejectedException(res.miss(), res.miss() == RejectionReason.UNKNOWN_ISSUER
                    ? "issuer not trusted" : "no key with that kid for the issuer" + retiredHint(d.claims()));
        }
        VerificationKey key = res.key();
        if (!key.algorithms().contains(d.algorithm()) || !Signatures.keyMatches(d.algorithm(), key.key())) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "alg not allowed for this key");
        }
        boolean known = knownBy != null && (knownBy == key || knownBy.equals(key)); // the same key as before the restart
        if (!known && !signatures.verify(d.algorithm(), key.key(), d.signed(), d.signedLength(), d.signature())) {
            throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, TokenRejectedException.NOT_AUTHENTIC);
        }
        return claims.validate(d.format(), d.claims(), key, Fingerprints.of(token), clock.instant());
    }
}
