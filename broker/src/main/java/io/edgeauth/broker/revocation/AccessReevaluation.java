package io.edgeauth.broker.revocation;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.registry.DeviceRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Continuous access evaluation for registry changes: when a device's record changes what its sessions
 * may do (tenant, owner, rate plan, region or credential), the sessions holding tokens issued before the
 * change end now instead of at their token's expiry, on every node. It does this by revoking the
 * device's tokens issued up to now (a subject revocation that blocks nothing later). On ownership
 * transfer it also revokes the former owner's tokens, so the old owner's subscriptions to the device's
 * topics end with them. The device and the wallet then get fresh tokens under the new record (the SDK
 * does that by itself), and every edge applies the new rules to them. Each re-evaluation is audited with
 * the fields whose change caused it. Thread-safe.
 *
 * <p>Ending the whole session is coarser than pruning only what changed: a former owner's sessions for
 * its other devices end too and reconnect. It is the one mechanism every edge already applies within
 * the revocation propagation time (under 100 ms on a node; see docs/revocation.md).
 *
 * <p>The same holds for trusted outside issuers: when one is no longer trusted, or a key leaves its JWKS,
 * the sessions its (that key's) tokens opened end, by an issuer or issuer-key revocation.
 */
public final class AccessReevaluation {
    private final RevocationService revocations;
    private final AuditLog audit;

    public AccessReevaluation(RevocationService revocations, AuditLog audit) {
        this.revocations = Objects.requireNonNull(revocations, "revocations");
        this.audit = audit == null ? AuditLog.NOOP : audit;
    }

    /** Applies one change (wire as {@code registry.onAccessChange(reevaluation::changed)}). */
    public void changed(DeviceRegistry.AccessChange change) {
        String device = change.before().id();
        String cause = "device changed: " + String.join(", ", change.changed());
        revocations.revoke(Revocation.Kind.SUB, device, cause);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("device", device);
        fields.put("tenant", change.before().tenant());
        fields.put("changed", String.join(",", change.changed()));
        String formerOwner = change.before().owner();
        if (change.changed().contains("owner") && formerOwner != null) {
            revocations.revoke(Revocation.Kind.SUB, formerOwner, "lost ownership of " + device);
            fields.put("formerOwner", formerOwner);
        }
        audit.record("access.reevaluated", "sessions_ended", fields);
    }

    /**
     * A trusted issuer's key left its JWKS, or changed under its kid (wire as
     * {@code trustedIssuers.onKeysDropped(reevaluation::issuerKeyDropped)}).
     */
    public void issuerKeyDropped(String issuer, String kid) {
        revocations.revokeIssuerKey(issuer, kid, "key dropped from the issuer's JWKS");
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("issuer", issuer);
        fields.put("kid", kid);
        fields.put("cause", "kid_dropped");
        audit.record("access.reevaluated", "sessions_ended", fields);
    }

    /** A trusted issuer is no longer trusted: every session its tokens opened ends. */
    public void issuerRemoved(String issuer) {
        revocations.revokeIssuer(issuer, "trusted issuer removed");
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("issuer", issuer);
        fields.put("cause", "issuer_removed");
        audit.record("access.reevaluated", "sessions_ended", fields);
    }

    /**
     * An operator's revocation that no longer covers any token was dropped on this node ({@link RevocationService#prune}):
     * audited {@code revocation.ended}, so the trail says when a revocation stopped refusing (tour X, X6).
     */
    public void ended(Revocation r) {
        if (r.kind().byOperator()) {
            audit.record("revocation.ended", "ok", Map.of("kind", r.kind().name(), "value", r.value(),
                    "issuedUpTo", r.issuedBefore().toString(), "reason", r.reason()));
        }
    }
}
