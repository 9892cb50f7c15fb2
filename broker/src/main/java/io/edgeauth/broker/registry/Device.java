package io.edgeauth.broker.registry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A registered device: its id, tenant, the one credential it proves itself with, optional region
 * cells that narrow the {@code geo} claim of its tokens, its rate plan and its owner (a wallet DID).
 * Immutable.
 */
public record Device(String id, String tenant, Credential credential, List<String> region, String ratePlan,
                     String owner, Instant createdAt) {

    /** How the device proves itself. */
    public enum CredentialType {
        /** A public JWK (EC P-256, Ed25519 or RSA); the device signs RFC 7523 client assertions. */
        JWK,
        /** The base64url SHA-256 thumbprint of its X.509 client certificate (mTLS / DTLS). */
        X5T_S256,
        /** An Ethereum address (EIP-55); the device signs EIP-191 challenges. */
        ETH_ADDRESS,
        /**
         * The id of the enrollment group that provisioned it: the device proves HKDF-SHA256(group secret,
         * device id) with HS256 {@code client_secret_jwt} assertions.
         */
        ENROLLMENT_GROUP
    }

    /** The credential: its type and value (JWK JSON, thumbprint, or checksummed address). */
    public record Credential(CredentialType type, String value) {
        public Credential {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(value, "value");
        }
    }

    public Device {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(credential, "credential");
        region = region == null ? List.of() : List.copyOf(region);
    }

    /**
     * What differs between this record and {@code after} that changes what the device's sessions may do:
     * {@code tenant}, {@code owner}, {@code ratePlan}, {@code region}, {@code credential}. Empty if nothing.
     */
    public java.util.Set<String> accessChangesTo(Device after) {
        java.util.Set<String> changed = new java.util.LinkedHashSet<>();
        if (!tenant.equals(after.tenant)) {
            changed.add("tenant");
        }
        if (!Objects.equals(owner, after.owner)) {
            changed.add("owner");
        }
        if (!Objects.equals(ratePlan, after.ratePlan)) {
            changed.add("ratePlan");
        }
        if (!region.equals(after.region)) {
            changed.add("region");
        }
        if (!credential.equals(after.credential)) {
            changed.add("credential");
        }
        return changed;
    }

    public Device withOwner(String newOwner) {
        return new Device(id, tenant, credential, region, ratePlan, newOwner, createdAt);
    }

    /** This record with {@code original}'s creation time: a replaced record keeps when the device was first registered. */
    public Device createdAs(Device original) {
        return new Device(id, tenant, credential, region, ratePlan, owner, original.createdAt());
    }
}
