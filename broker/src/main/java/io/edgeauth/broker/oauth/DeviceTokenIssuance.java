package io.edgeauth.broker.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.rate.TokenRequestLimits;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.revocation.SubjectBlocks;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.Fingerprints;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What every device grant shares once the device has proven itself (by client assertion or by an
 * Ethereum signature): the claims come from the registry, never from the request (tenant,
 * {@code geo} narrowed to the device's region cells, {@code cnf}, {@code owner}; the scope only from the
 * tenant's self-service allowlist), a subject an operator
 * revoked gets nothing, the token is issued, audited and counted. Package-private helper of {@link DeviceTokenService} and
 * {@link EthDeviceTokenService}. Thread-safe.
 */
final class DeviceTokenIssuance {
    private final TokenIssuer issuer;
    private final SubjectBlocks blocks;
    private final Function<String, Set<String>> selfServiceScopes;
    private final List<String> audiences;
    private final String regionName;
    private final AuditLog audit;
    private final MeterRegistry meters;
    private final Function<String, java.util.Optional<Device>> currentRecord;
    /** Set once at start-up ({@link #limitedBy}); none until then. */
    private volatile TokenRequestLimits limits = TokenRequestLimits.NONE;

    /** @param currentRecord a device's record as the store holds it now ({@code DeviceRegistry#current}) */
    DeviceTokenIssuance(TokenIssuer issuer, SubjectBlocks blocks, Function<String, Set<String>> selfServiceScopes,
                        List<String> audiences, String regionName, AuditLog audit, MeterRegistry meters,
                        Function<String, java.util.Optional<Device>> currentRecord) {
        this.currentRecord = currentRecord;
        this.issuer = issuer;
        this.blocks = blocks;
        this.selfServiceScopes = selfServiceScopes;
        this.audiences = List.copyOf(audiences);
        this.regionName = regionName == null || regionName.isEmpty() ? null : regionName;
        this.audit = audit;
        this.meters = meters;
    }

    /** Bounds the tokens issued per device by {@code limits} (config {@code tokenRequests}). */
    void limitedBy(TokenRequestLimits limits) {
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
    }

    /**
     * Issues, audits ({@code token.issued} with {@code fields}) and counts a token for a proven device.
     *
     * @throws TokenRejectedException REVOKED while the device's subject revocation holds; RATE_LIMITED over the
     *     device's token budget
     */
    IssuedToken issue(Device device, TokenFormat format, String scope, String grant, Map<String, Object> fields)
            throws TokenRejectedException {
        return issue(device, confirmation(device), format, scope, grant, fields, null, null);
    }

    /** As above, for a registered resource server's {@code audience} (null: the broker's own audiences). */
    IssuedToken issue(Device device, TokenFormat format, String scope, String grant, Map<String, Object> fields,
                      String audience) throws TokenRejectedException {
        return issue(device, confirmation(device), format, scope, grant, fields, audience, null);
    }

    /**
     * As {@link #issue(Device, TokenFormat, String, String, Map, String)}, bound to {@code cnf} instead of the
     * record's key (a client certificate's thumbprint at RFC 8705 {@code tls_client_auth}), naming in
     * {@code fleet_ca} the fleet CA this token's trust rests on (null: none), so that withdrawing it revokes the token.
     */
    IssuedToken issue(Device device, Confirmation cnf, TokenFormat format, String scope, String grant,
                      Map<String, Object> fields, String audience, String fleetCa) throws TokenRejectedException {
        checkNotBlocked(device);
        takeIssuance(device); // before the signature: a spent budget costs the node nothing more
        TokenClaims.Builder claims = TokenClaims.builder(device.tenant(), device.id())
                .audience(audience != null ? new String[] {audience} : audiences.toArray(String[]::new))
                .scope(grantedScopes(scope, selfServiceScopes.apply(device.tenant())))
                .geo(device.region().toArray(String[]::new))
                .cnf(cnf)
                .owner(device.owner())
                .fleetCa(fleetCa);
        if (regionName != null) {
            claims.region(regionName);
        }
        IssuedToken token = issuer.issue(claims.build(), format);
        requireStillRegistered(device, cnf);
        fields.put("format", format.name().toLowerCase(java.util.Locale.ROOT));
        fields.put("kid", token.kid());
        fields.put("token", Fingerprints.of(token.bytes()));
        audit.record("token.issued", "ok", fields);
        meters.counter("edgeauth.tokens.issued", "grant", grant, "format", format.name().toLowerCase(java.util.Locale.ROOT)).increment();
        return token;
    }

    /**
     * A change of the record (a PUT, a re-key, another node's create) made while the token was built revokes the
     * device's tokens "up to now", and the token, signed after that revocation was read, is dated past it: it would
     * escape it. So a token is handed out only if the record as stored now (every node's latest write) is still the
     * one it was built from and holds the key it is bound to; otherwise the device asks again.
     */
    private void requireStillRegistered(Device issuedFor, Confirmation cnf) throws TokenRejectedException {
        Device now = currentRecord.apply(issuedFor.id()).orElse(null);
        boolean same = now != null && issuedFor.accessChangesTo(now).isEmpty()
                && (cnf.jkt() == null || cnf.jkt().equals(confirmation(now).jkt()));
        if (!same) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    "the device's record changed while its token was issued; its key may no longer be registered");
        }
    }

    boolean isResourceServer(String audience) {
        return issuer.isResourceServer(audience);
    }

    /**
     * Takes one token from the budget of {@code device}, which proved itself (never an id a request merely claims).
     *
     * @throws TokenRejectedException RATE_LIMITED, with the wait, over the device's budget
     */
    void takeIssuance(Device device) throws TokenRejectedException {
        limits.takeIssuance(device.tenant(), device.id());
    }

    /**
     * @throws TokenRejectedException WRONG_TENANT for a device of a tenant the config no longer names; REVOKED while
     *     the device's subject revocation holds
     */
    void checkNotBlocked(Device device) throws TokenRejectedException {
        issuer.requireConfiguredTenant(device.tenant());
        if (blocks.blocksIssuance(device.id())) {
            throw new TokenRejectedException(RejectionReason.REVOKED,
                    "the device is revoked; no token is issued until an operator lifts the revocation");
        }
    }

    /** REVOKED while a subject revocation of {@code deviceId} holds, whether or not a record has the id. */
    void checkNotBlocked(String deviceId) throws TokenRejectedException {
        if (blocks.blocksIssuance(deviceId)) {
            throw new TokenRejectedException(RejectionReason.REVOKED,
                    "the device is revoked; no token is issued until an operator lifts the revocation");
        }
    }

    /** Audits ({@code token.refused}) and counts a refused device grant, once: a refusal audited already is not. */
    void refused(TokenRejectedException e, String grant, Map<String, Object> fields) {
        if (e.isAudited()) {
            return;
        }
        fields.put("detail", e.auditDetail());
        // the client id a refused request claims is its own text: a token sent there in error is not recorded whole
        fields.computeIfPresent("client_id", (k, v) -> io.edgeauth.broker.refusal.ClientText.audited(String.valueOf(v)));
        audit.record("token.refused", e.reason().code(), fields);
        meters.counter("edgeauth.tokens.refused", "grant", grant, "reason", e.reason().code()).increment();
        e.audited();
    }

    /**
     * As {@link #confirmation(Device)}, for a device that proved the key whose RFC 7638 thumbprint is {@code provenJkt}
     * (its client assertion verified with its registered key): that thumbprint, so the registered JWK is not parsed,
     * its point checked on the curve and hashed a second time in one request. Null: from the record.
     */
    static Confirmation confirmation(Device device, String provenJkt) {
        return provenJkt != null && device.credential().type() == Device.CredentialType.JWK
                ? new Confirmation(null, provenJkt) : confirmation(device);
    }

    static Confirmation confirmation(Device device) {
        switch (device.credential().type()) {
            case X5T_S256:
                return new Confirmation(device.credential().value(), null);
            case JWK:
                try {
                    return new Confirmation(null,
                            JWK.parse(device.credential().value()).computeThumbprint().toString());
                } catch (ParseException | JOSEException e) {
                    return Confirmation.NONE;
                }
            default:
                return Confirmation.NONE;
        }
    }

    /**
     * The requested scopes the device's tenant lets devices grant themselves ({@code selfServiceScopes}, which
     * never holds a topic grant); the rest is left out (RFC 6749 §3.3: the answer names what was granted).
     */
    static String[] grantedScopes(String scope, Set<String> allowed) {
        if (scope == null || scope.isBlank() || allowed == null || allowed.isEmpty()) {
            return new String[0];
        }
        return Arrays.stream(scope.trim().split("\\s+"))
                .filter(allowed::contains)
                .distinct()
                .toArray(String[]::new);
    }
}
