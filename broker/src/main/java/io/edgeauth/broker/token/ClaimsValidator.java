package io.edgeauth.broker.token;

import io.edgeauth.broker.keys.VerificationKey;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.time.Instant;
import java.util.Set;

/**
 * The one claims check for JWT and CWT alike (run after the signature): required claims, lifetime,
 * time window with bounded leeway, audience and tenant. Immutable and thread-safe.
 */
final class ClaimsValidator {
    private final TokenPolicy policy;
    private final long leewaySeconds;
    private final long maxLifetimeSeconds;

    ClaimsValidator(TokenPolicy policy) {
        this.policy = policy;
        this.leewaySeconds = policy.leeway().getSeconds();
        this.maxLifetimeSeconds = policy.maxLifetime().getSeconds();
    }

    VerifiedToken validate(TokenFormat format, RawClaims c, VerificationKey key, String fingerprint, Instant now)
            throws TokenRejectedException {
        if (c.subject() == null || c.subject().isEmpty()) {
            throw reject(RejectionReason.MISSING_CLAIM, "sub required");
        }
        if (c.expiresAt() == null) {
            throw reject(RejectionReason.MISSING_CLAIM, "exp required");
        }
        if (c.issuedAt() == null) {
            throw reject(RejectionReason.MISSING_CLAIM, "iat required");
        }
        long exp = c.expiresAt().getEpochSecond();
        long iat = c.issuedAt().getEpochSecond();
        long nowS = now.getEpochSecond();
        // lifetime from iat: a long-lived token stays dangerous for its whole life if it leaks
        if (exp - iat > maxLifetimeSeconds) {
            throw reject(RejectionReason.LIFETIME_TOO_LONG, "exp - iat exceeds " + maxLifetimeSeconds + " s");
        }
        if (nowS >= exp + leewaySeconds) {
            throw reject(RejectionReason.EXPIRED, "token expired");
        }
        if (c.notBefore() != null && c.notBefore().getEpochSecond() > nowS + leewaySeconds) {
            throw reject(RejectionReason.NOT_YET_VALID, "nbf in the future");
        }
        if (iat > nowS + leewaySeconds) {
            throw reject(RejectionReason.ISSUED_IN_FUTURE, "iat in the future");
        }
        Set<String> accepted = key.audiences().isEmpty() ? policy.audiences() : key.audiences();
        boolean audOk = false;
        for (String a : c.audience()) {
            if (accepted.contains(a)) {
                audOk = true;
                break;
            }
        }
        if (!audOk) {
            throw reject(RejectionReason.WRONG_AUDIENCE, "aud not accepted");
        }
        String tenant = c.tenantId();
        if (key.tenantId() != null) {
            // the key decides the tenant; a token may repeat it but never claim another one
            if (tenant != null && !tenant.equals(key.tenantId())) {
                throw reject(RejectionReason.WRONG_TENANT, "tenant_id does not match the issuer's tenant");
            }
            tenant = key.tenantId();
        }
        return new VerifiedToken(format, c.issuer(), c.subject(), c.audience(), c.issuedAt(), c.notBefore(),
                c.expiresAt(), c.tokenId(), key.kid(), tenant, c.scope(), c.geo(), c.region(), c.cnf(),
                c.actor(), c.owner(), fingerprint, c.parentTokenIds(), c.fleetCa());
    }

    private static TokenRejectedException reject(RejectionReason r, String detail) {
        return new TokenRejectedException(r, detail);
    }
}
