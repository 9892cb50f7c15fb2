package io.edgeauth.broker.provisioning;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.oauth.TokenChannel;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.RecordChangedException;
import io.edgeauth.broker.store.Store;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * A zero-touch device's renewal with a new key (a newer certificate of the CA that provisioned it): the record and the
 * provisioning mark move to the new certificate together, safely against concurrent renewals on any node. Part of
 * {@link DeviceEnrollment}, which decides that a certificate renews. Thread-safe.
 */
final class CertificateRenewals {
    private static final String PROVISIONED_BY = DeviceEnrollment.PROVISIONED_BY;
    private final DeviceRegistry registry;
    private final Store store;
    private final AuditLog audit;

    CertificateRenewals(DeviceRegistry registry, Store store, AuditLog audit) {
        this.registry = registry;
        this.store = store;
        this.audit = audit;
    }

    /**
     * Puts the renewed certificate's key in the device's record (proof of possession already checked) and its
     * certificate in the mark. The record change ends the sessions of tokens bound to the old key, on every node
     * ({@link io.edgeauth.broker.revocation.AccessReevaluation}); audited {@code device.rekeyed}. Of renewals racing,
     * the mark decides (it only moves forward, atomically, to a newer certificate): the one whose certificate the
     * mark names writes the record, over whatever the others wrote, atomically on the record it read; one the mark
     * moved past stops, refused. So the record never ends on an older key, and record and mark agree.
     */
    void rekey(Device existing, JWK key, FleetCa ca, X509Certificate leaf, TokenChannel channel)
            throws TokenRejectedException {
        byte[] mine = CertificateMark.of(ca, leaf, key).encode();
        try {
            claimMark(existing.id(), ca, leaf, mine);
            Device record = existing;
            for (int attempt = 0; attempt < 10; attempt++) {
                Device renewed = new Device(record.id(), record.tenant(),
                        new Device.Credential(Device.CredentialType.JWK, key.toJSONString()), record.region(),
                        record.ratePlan(), record.owner(), record.createdAt());
                if (replaced(renewed, record)) {
                    audit.record("device.rekeyed", "ok", Map.of("device", existing.id(), "tenant", ca.tenant(),
                            "fleetCa", ca.id(), "certificateSerial", leaf.getSerialNumber().toString(16),
                            "channel", channel.name()));
                    return;
                }
                if (!java.util.Arrays.equals(store.get(PROVISIONED_BY, existing.id()).orElse(null), mine)) {
                    break; // a newer certificate renewed it meanwhile
                }
                record = registry.current(existing.id()).orElse(null);
                if (record == null || !record.tenant().equals(ca.tenant())
                        || record.credential().type() != Device.CredentialType.JWK) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            throw new TokenRejectedException(RejectionReason.ofFailure(e), "store write failed");
        }
        throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                "the device was renewed or changed meanwhile; its record holds another key than this certificate's");
    }

    /** Moves the mark to {@code mine} if it names an older certificate of the same CA, atomically; else refuses. */
    private void claimMark(String id, FleetCa ca, X509Certificate leaf, byte[] mine) throws TokenRejectedException {
        for (int attempt = 0; attempt < 10; attempt++) {
            byte[] seen = store.get(PROVISIONED_BY, id).orElse(null);
            Optional<CertificateMark> mark = seen == null ? Optional.empty() : CertificateMark.parse(seen);
            if (mark.isEmpty() || !mark.get().caId().equals(ca.id()) || !mark.get().olderThan(leaf)) {
                throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                        "device is registered with another key than its certificate's");
            }
            if (store.replaceIf(PROVISIONED_BY, id, seen, mine)) {
                return;
            }
        }
        throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH, "the device's certificate kept changing");
    }

    /** Whether the record was still {@code expected} and is now {@code renewed}. */
    private boolean replaced(Device renewed, Device expected) {
        try {
            registry.replaceIfUnchanged(renewed, expected).join();
            return true;
        } catch (CompletionException e) {
            if (e.getCause() instanceof RecordChangedException) {
                return false;
            }
            throw e;
        }
    }
}
