package io.edgeauth.broker.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.SigningKey;
import io.edgeauth.broker.keys.SigningKeyStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Issues access tokens signed by a tenant's active key: a JWT (header {@code alg}, {@code kid},
 * {@code typ: at+jwt}) or a CWT (COSE_Sign1, tag 18, {@code alg} and {@code kid} in the protected
 * header; claims as read by the verifier). {@code iss} is the tenant's issuer, {@code iat} = {@code nbf}
 * = now (whole seconds), {@code exp} = now + lifetime (capped at the maximum), {@code jti} a fresh
 * 128-bit random value. The encrypted formats sign the same way, then encrypt the signed token to the
 * tenant's key ({@link TokenEncryption}). Thread-safe.
 */
public final class TokenIssuer {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

    private final SigningKeyStore keys;
    private final Signatures signatures;
    private final Duration maxLifetime;
    private final Clock clock;
    private final TokenEncryption encryption;
    private volatile java.util.function.Function<String, Instant> subjectRevokedUpTo = subject -> null;
    private volatile int maxTokenBytes = Integer.MAX_VALUE;
    private volatile Remembering remembering; // null: a token is verified on its first use like any other

    private record Remembering(CachingTokenVerifier cache, BrokerTokenVerifier verifier) { }

    /**
     * @param keys        the tenants' signing keys
     * @param signatures  signature engine (same provider as verification)
     * @param maxLifetime cap and default for token lifetimes (the verifier's {@link TokenPolicy#maxLifetime()})
     * @param clock       time source
     */
    public TokenIssuer(SigningKeyStore keys, Signatures signatures, Duration maxLifetime, Clock clock) {
        this(keys, signatures, maxLifetime, clock, null);
    }

    /** An issuer that also issues encrypted tokens ({@code encryption} null: it refuses to). */
    public TokenIssuer(SigningKeyStore keys, Signatures signatures, Duration maxLifetime, Clock clock,
                       TokenEncryption encryption) {
        this.encryption = encryption;
        this.keys = Objects.requireNonNull(keys, "keys");
        this.signatures = Objects.requireNonNull(signatures, "signatures");
        this.maxLifetime = Objects.requireNonNull(maxLifetime, "maxLifetime");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Where subject revocations in force say up to when a subject's tokens are revoked
     * ({@code RevocationService::revokedUpTo}); tokens issued in the same second are dated after it.
     */
    public TokenIssuer subjectRevocations(java.util.function.Function<String, Instant> revokedUpTo) {
        this.subjectRevokedUpTo = Objects.requireNonNull(revokedUpTo, "revokedUpTo");
        return this;
    }

    /**
     * Puts every signed (not encrypted) token issued from now on into {@code cache} as verified, so that a
     * device presenting the token this broker has just signed for it (the MQTT CONNECT after {@code /oauth/token})
     * is not checked with a signature this broker computed a moment before. The entry's claims are the ones
     * signed, run through {@code verifier}'s own key look-up and claims check: a token that verifier would
     * refuse (an audience this broker does not accept) is not remembered, and is refused on use as before.
     * A CWT is remembered in both forms a device may present (raw COSE and base64url text).
     */
    public TokenIssuer rememberIssuedIn(CachingTokenVerifier cache, BrokerTokenVerifier verifier) {
        this.remembering = new Remembering(Objects.requireNonNull(cache, "cache"),
                Objects.requireNonNull(verifier, "verifier"));
        return this;
    }

    /**
     * The largest token the broker's verifiers take ({@code tokens.maxTokenBytes}): a larger one is not issued
     * (see {@link TokenTooLargeException}), as every edge would refuse it.
     */
    public TokenIssuer maxTokenBytes(int max) {
        this.maxTokenBytes = max;
        return this;
    }

    /**
     * Refuses a principal of a tenant the config does not name (removed while its devices, services or fleet CAs stayed
     * stored): WRONG_TENANT, a refusal every token endpoint answers and audits, not the server error {@link #issue}
     * throws for an unknown tenant.
     */
    public void requireConfiguredTenant(String tenant) throws io.edgeauth.broker.refusal.TokenRejectedException {
        if (tenant == null || !keys.tenantIds().contains(tenant)) {
            throw new io.edgeauth.broker.refusal.TokenRejectedException(
                    io.edgeauth.broker.refusal.RejectionReason.WRONG_TENANT, "tenant '" + tenant + "' is not configured");
        }
    }

    /** Whether tokens may be issued for {@code audience} as a registered resource server. */
    public boolean isResourceServer(String audience) {
        return encryption != null && encryption.isResourceServer(audience);
    }

    /**
     * Issues a token in the requested format, or in its encrypted form when the tenant's policy asks for
     * encryption ({@code tenants[].encryptTokens}). A nested JWT whose one audience is a registered resource
     * server is encrypted to that server's key, not the broker's.
     *
     * @throws IllegalArgumentException for an unknown tenant, or an encrypted format when encryption is off
     * @throws IllegalStateException    if signing fails (a broken key or provider: a server error)
     */

    private static Instant later(Instant a, Instant b) {
        return a == null || b != null && b.isAfter(a) ? b : a;
    }

    public IssuedToken issue(TokenClaims claims, TokenFormat requested) {
        TokenFormat format = encryption == null ? requested : encryption.formatFor(claims.tenantId(), requested);
        SigningKey key = keys.activeKey(claims.tenantId());
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant revokedUpTo = later(subjectRevokedUpTo.apply(claims.subject()),
                claims.actor() == null ? null : subjectRevokedUpTo.apply(claims.actor())); // it covers the actor's too
        if (revokedUpTo != null && !now.isAfter(revokedUpTo)) {
            // a revocation made earlier in this second covers every token dated to it: date this one after it
            // (iat = nbf under a second ahead, within every verifier's leeway), so a change that ended the
            // subject's old sessions does not also refuse the token it fetches next
            now = revokedUpTo.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        }
        Duration lifetime = claims.lifetime() == null || claims.lifetime().compareTo(maxLifetime) > 0
                ? maxLifetime : claims.lifetime();
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive");
        }
        if (format.encrypted() && encryption == null) {
            throw new IllegalArgumentException("encrypted tokens are not enabled");
        }
        Instant exp = now.plusSeconds(lifetime.getSeconds());
        String jti = claims.tokenId() != null ? claims.tokenId() : newTokenId();
        try {
            byte[] bytes = format.cbor()
                    ? cwt(key, claims, now, exp, jti)
                    : jwt(key, claims, now, exp, jti);
            if (format.encrypted()) {
                bytes = encryption.seal(claims, format, bytes);
            }
            // a token sealed for a resource server is that server's to take: only the broker's own are bounded
            boolean forResourceServer = format.encrypted() && claims.audience().size() == 1
                    && isResourceServer(claims.audience().get(0));
            if (bytes.length > maxTokenBytes && !forResourceServer) {
                throw new TokenTooLargeException(format, bytes.length, maxTokenBytes);
            }
            if (!format.encrypted()) {
                remember(key, claims, format, bytes, now, exp, jti);
            }
            return new IssuedToken(format, bytes, key.kid(), jti, now, exp, claims.scope());
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalStateException("cannot sign token with key " + key.kid(), e);
        }
    }

    private void remember(SigningKey key, TokenClaims c, TokenFormat format, byte[] bytes, Instant now, Instant exp,
                          String jti) {
        Remembering r = remembering;
        if (r == null) {
            return;
        }
        // as the decoders will read them (TokenClaims refuses scope values that are empty or hold a space)
        RawClaims signed = new RawClaims(key.issuer(), c.subject(), c.audience(), exp, now, now, jti, c.tenantId(),
                c.scope(), c.geo(), c.region(), c.cnf(), c.actor(), c.owner(), c.parentTokenIds(), c.fleetCa());
        rememberAs(r, bytes, signed, key, format);
        if (format.cbor()) {
            rememberAs(r, Base64.getUrlEncoder().withoutPadding().encode(bytes), signed, key, format);
        }
    }

    /** One SHA-256 of the form presented: the cache key, and the entry's fingerprint from the same digest. */
    private static void rememberAs(Remembering r, byte[] presented, RawClaims signed, SigningKey key, TokenFormat format) {
        byte[] digest = Fingerprints.sha256(presented);
        r.cache.remember(digest, r.verifier.issuedHere(format, signed, key.kid(), key.algorithm(), presented.length,
                Fingerprints.fromDigest(digest)));
    }

    private static String newTokenId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private byte[] jwt(SigningKey key, TokenClaims c, Instant now, Instant exp, String jti) throws JOSEException {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.parse(key.algorithm().joseName()))
                .keyID(key.kid()).type(AT_JWT).build();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .issuer(key.issuer()).subject(c.subject())
                .audience(c.audience().size() == 1 ? c.audience().subList(0, 1) : c.audience())
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(exp))
                .jwtID(jti).claim("tenant_id", c.tenantId());
        if (!c.scope().isEmpty()) {
            b.claim("scope", String.join(" ", c.scope()));
        }
        if (!c.geo().isEmpty()) {
            b.claim("geo", c.geo());
        }
        if (c.region() != null) {
            b.claim("region", c.region());
        }
        if (!c.cnf().isEmpty()) {
            Map<String, Object> cnf = new LinkedHashMap<>();
            if (c.cnf().x5tS256() != null) {
                cnf.put("x5t#S256", c.cnf().x5tS256());
            }
            if (c.cnf().jkt() != null) {
                cnf.put("jkt", c.cnf().jkt());
            }
            b.claim("cnf", cnf);
        }
        if (c.actor() != null) {
            b.claim("act", Map.of("sub", c.actor()));
        }
        if (c.owner() != null) {
            b.claim("owner", c.owner());
        }
        if (c.fleetCa() != null) {
            b.claim(JwtDecoder.FLEET_CA, c.fleetCa());
        }
        if (!c.parentTokenIds().isEmpty()) {
            b.claim(JwtDecoder.PARENT_JTI, c.parentTokenIds());
        }
        SignedJWT jwt = new SignedJWT(header, b.build());
        jwt.sign(new JcaJwsSigner(signatures, key));
        return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] cwt(SigningKey key, TokenClaims c, Instant now, Instant exp, String jti)
            throws GeneralSecurityException {
        CBORObject claims = CBORObject.NewMap()
                .Add(CwtDecoder.ISS, key.issuer())
                .Add(CwtDecoder.SUB, c.subject())
                .Add(CwtDecoder.AUD, c.audience().size() == 1
                        ? CBORObject.FromObject(c.audience().get(0)) : textArray(c.audience()))
                .Add(CwtDecoder.EXP, exp.getEpochSecond())
                .Add(CwtDecoder.NBF, now.getEpochSecond())
                .Add(CwtDecoder.IAT, now.getEpochSecond())
                .Add(CwtDecoder.CTI, jti.getBytes(StandardCharsets.US_ASCII))
                .Add("tenant_id", c.tenantId());
        if (!c.scope().isEmpty()) {
            claims.Add(CwtDecoder.SCOPE, String.join(" ", c.scope()));
        }
        if (!c.cnf().isEmpty()) {
            CBORObject cnf = CBORObject.NewMap();
            if (c.cnf().x5tS256() != null) {
                cnf.Add("x5t#S256", c.cnf().x5tS256());
            }
            if (c.cnf().jkt() != null) {
                cnf.Add("jkt", c.cnf().jkt());
            }
            claims.Add(CwtDecoder.CNF, cnf);
        }
        if (!c.geo().isEmpty()) {
            claims.Add("geo", textArray(c.geo()));
        }
        if (c.region() != null) {
            claims.Add("region", c.region());
        }
        if (c.owner() != null) {
            claims.Add("owner", c.owner());
        }
        if (c.actor() != null) {
            claims.Add("act", CBORObject.NewMap().Add("sub", c.actor()));
        }
        if (c.fleetCa() != null) {
            claims.Add(JwtDecoder.FLEET_CA, c.fleetCa());
        }
        if (!c.parentTokenIds().isEmpty()) {
            claims.Add(JwtDecoder.PARENT_JTI, textArray(c.parentTokenIds()));
        }
        byte[] payload = claims.EncodeToBytes();
        byte[] kid = key.kid().getBytes(StandardCharsets.US_ASCII);
        byte[] protectedHeader = CBORObject.NewMap()
                .Add(1, key.algorithm().coseId())
                .Add(4, kid)
                .EncodeToBytes();
        // Sig_structure = ["Signature1", protected, external_aad = h'', payload]
        ByteArrayOutputStream tbs = new ByteArrayOutputStream();
        tbs.write(0x84);
        byte[] context = "Signature1".getBytes(StandardCharsets.US_ASCII);
        CoseMessage.head(tbs, 3, context.length);
        tbs.writeBytes(context);
        CoseMessage.head(tbs, 2, protectedHeader.length);
        tbs.writeBytes(protectedHeader);
        CoseMessage.head(tbs, 2, 0);
        CoseMessage.head(tbs, 2, payload.length);
        tbs.writeBytes(payload);
        byte[] signature = key.sign(signatures, tbs.toByteArray());
        CBORObject sign1 = CBORObject.NewArray()
                .Add(protectedHeader)
                .Add(CBORObject.NewMap())
                .Add(payload)
                .Add(signature);
        return CBORObject.FromObjectAndTag(sign1, 18).EncodeToBytes();
    }

    private static CBORObject textArray(Iterable<String> values) {
        CBORObject a = CBORObject.NewArray();
        for (String v : values) {
            a.Add(v);
        }
        return a;
    }
}
