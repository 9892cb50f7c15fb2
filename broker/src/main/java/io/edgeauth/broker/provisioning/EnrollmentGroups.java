package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Tenant enrollment groups: each holds a master secret; a member device's secret is
 * HKDF-SHA256(master, info = device id) (RFC 5869, as DTLS PSKs are derived, {@link DerivedPskStore}), so
 * a factory can give every device its own secret without telling the broker about each. Secrets are
 * never logged. Immutable after start; thread-safe.
 */
public final class EnrollmentGroups {
    /** A group: its tenant, template, master secret and the ids it may provision (null: any). */
    public record Group(String id, String tenant, String template, byte[] master, java.util.regex.Pattern ids) {
        /** Whether the group may provision a device with this id. */
        public boolean admits(String deviceId) {
            return ids == null || deviceId != null && ids.matcher(deviceId).matches();
        }
    }

    private final Map<String, Group> groups = new HashMap<>();

    public EnrollmentGroups(BrokerConfig.Provisioning config) {
        for (BrokerConfig.EnrollmentGroup g : config.enrollmentGroups()) {
            byte[] secret;
            try {
                secret = Files.readAllBytes(g.secretFile());
            } catch (IOException e) {
                throw new UncheckedIOException("provisioning.enrollmentGroups '" + g.id() + "': cannot read secretFile", e);
            }
            if (secret.length < 32) {
                throw new IllegalArgumentException("provisioning.enrollmentGroups '" + g.id()
                        + "': the secret must be at least 32 bytes, got " + secret.length);
            }
            groups.put(g.id(), new Group(g.id(), g.tenant(), g.template(), secret, g.ids()));
        }
    }

    public Optional<Group> group(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(groups.get(id));
    }

    /** The secret a member device proves: HKDF-SHA256(group master, info = device id), 32 bytes. */
    public static byte[] deviceSecret(Group group, String deviceId) {
        return DerivedPskStore.derive(group.master(), deviceId);
    }
}
