package io.edgeauth.broker.token;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The claims of a token whose signature, algorithm and time window have been checked. JWT and CWT
 * verification both produce this one type, so nothing after verification knows the encoding.
 * Immutable and thread-safe.
 *
 * @param format      encoding the token arrived in
 * @param issuer      {@code iss}
 * @param subject     {@code sub}: a device id or {@code did:pkh:eip155:<chain>:<address>}
 * @param audience    {@code aud} (may be empty)
 * @param issuedAt    {@code iat} (never null: required by our validation)
 * @param notBefore   {@code nbf} or null
 * @param expiresAt   {@code exp} (never null)
 * @param tokenId     {@code jti} / CWT {@code cti} or null
 * @param keyId       {@code kid} of the key that signed it (never null)
 * @param tenantId    {@code tenant_id} or null (outside issuers may map it from config)
 * @param scope       space-separated {@code scope}, split
 * @param geo         {@code geo} GeoHash cells the holder may use (empty: no geo claim)
 * @param region      {@code region} or null
 * @param cnf         {@code cnf} binding, {@link Confirmation#NONE} if absent
 * @param actor       {@code act.sub} (RFC 8693 delegation) or null
 * @param owner       {@code owner} (wallet DID owning the device) or null
 * @param fingerprint short, non-reversible fingerprint of the token bytes for logs and audit
 * @param parentTokenIds {@code parent_jti}: the {@code jti}s this token was exchanged from (RFC 8693), nearest
 *                    first; revoking any of them revokes this token (empty for a token not from an exchange)
 * @param fleetCa     {@code fleet_ca}: the fleet CA that provisioned the device it was issued to, or null;
 *                    withdrawing that CA revokes the token
 */
public record VerifiedToken(
        TokenFormat format,
        String issuer,
        String subject,
        List<String> audience,
        Instant issuedAt,
        Instant notBefore,
        Instant expiresAt,
        String tokenId,
        String keyId,
        String tenantId,
        Set<String> scope,
        List<String> geo,
        String region,
        Confirmation cnf,
        String actor,
        String owner,
        String fingerprint,
        List<String> parentTokenIds,
        String fleetCa) {

    public VerifiedToken {
        // A live session holds its token for hours; the values shared by a whole fleet (issuer, audience, key,
        // tenant, region) are interned so a million sessions keep one copy each, not a million. All of them come
        // from a token whose signature was checked, so the set of values stays as small as the configuration.
        issuer = shared(issuer);
        keyId = shared(keyId);
        tenantId = shared(tenantId);
        region = shared(region);
        fleetCa = shared(fleetCa);
        audience = audience == null ? List.of() : List.of(audience.stream().map(VerifiedToken::shared).toArray(String[]::new));
        scope = scope == null ? Set.of() : Set.copyOf(scope);
        geo = geo == null ? List.of() : List.copyOf(geo);
        cnf = cnf == null ? Confirmation.NONE : cnf;
        parentTokenIds = parentTokenIds == null ? List.of() : List.copyOf(parentTokenIds);
    }

    /** A token that did not come from an exchange (no {@code parent_jti}). */
    public VerifiedToken(TokenFormat format, String issuer, String subject, List<String> audience, Instant issuedAt,
                         Instant notBefore, Instant expiresAt, String tokenId, String keyId, String tenantId,
                         Set<String> scope, List<String> geo, String region, Confirmation cnf, String actor,
                         String owner, String fingerprint) {
        this(format, issuer, subject, audience, issuedAt, notBefore, expiresAt, tokenId, keyId, tenantId, scope, geo,
                region, cnf, actor, owner, fingerprint, List.of(), null);
    }

    /** A token of no fleet CA's device. */
    public VerifiedToken(TokenFormat format, String issuer, String subject, List<String> audience, Instant issuedAt,
                         Instant notBefore, Instant expiresAt, String tokenId, String keyId, String tenantId,
                         Set<String> scope, List<String> geo, String region, Confirmation cnf, String actor,
                         String owner, String fingerprint, List<String> parentTokenIds) {
        this(format, issuer, subject, audience, issuedAt, notBefore, expiresAt, tokenId, keyId, tenantId, scope, geo,
                region, cnf, actor, owner, fingerprint, parentTokenIds, null);
    }

    private static String shared(String value) {
        return value == null ? null : value.intern();
    }

    /** This token with other {@code geo} cells in force (the same token when they are equal). */
    public VerifiedToken withGeo(List<String> cells) {
        return cells.equals(geo) ? this : new VerifiedToken(format, issuer, subject, audience, issuedAt, notBefore,
                expiresAt, tokenId, keyId, tenantId, scope, cells, region, cnf, actor, owner, fingerprint, parentTokenIds,
                fleetCa);
    }

    public boolean isExpiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
