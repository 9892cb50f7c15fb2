package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.store.Store;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When a fleet CA's CRLs come to list the certificate a device was provisioned with (a stolen key, a retired
 * device), ends the tokens that device already holds: a subject revocation of the tokens issued so far, which ends
 * its MQTT and CoAP sessions on every node. Its next token is refused anyway ({@link DeviceEnrollment}); without
 * this, the token it held lasted until its {@code exp}. Finds the devices by reading every provisioning mark (the
 * store keeps no index by CA: a CRL changes a few times a day, a token request happens every few minutes per
 * device), so call it off event loops. Thread-safe.
 */
public final class ListedCertificates {
    private final Store store;
    private final RevocationService revocations;
    private final Function<String, Optional<Device>> records;

    /** @param records the device record of an id (a mark speaks only for the record holding its certificate's key) */
    public ListedCertificates(Store store, RevocationService revocations, Function<String, Optional<Device>> records) {
        this.store = store;
        this.revocations = revocations;
        this.records = records;
    }

    /**
     * Revokes the tokens of the devices {@code after} provisioned whose certificate its CRLs list and those of
     * {@code before} (the same CA as it was; null: not trusted before) did not. Returns how many devices.
     */
    public int revokeNewlyListed(FleetCa before, FleetCa after) {
        if (after.crls().isEmpty() || before != null && before.crls().equals(after.crls())) {
            return 0;
        }
        String reason = "certificate listed in the CRL of fleet CA '" + after.id() + "'";
        AtomicInteger revoked = new AtomicInteger();
        store.forEach(DeviceEnrollment.PROVISIONED_BY, (device, bytes) -> CertificateMark.parse(bytes)
                .filter(mark -> mark.caId().equals(after.id()) && mark.listedBy(after)
                        && (before == null || !mark.listedBy(before)) && mark.vouchesFor(records.apply(device).orElse(null)))
                .ifPresent(mark -> {
                    revocations.revoke(Revocation.Kind.SUB, device, reason);
                    revoked.incrementAndGet();
                }));
        return revoked.get();
    }
}
