package io.edgeauth.broker.keys;

import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.util.Objects;

/**
 * Key configuration of one tenant. Immutable.
 *
 * @param tenantId   tenant id (also a directory name: letters, digits, {@code . _ -})
 * @param issuer     {@code iss} of tokens this tenant's keys sign; unique across tenants
 * @param algorithm  signing algorithm of generated keys: ES256 (default), EdDSA or RS256
 * @param hs256      optional HS256 secret for verifying tenant-minted HS256 tokens, or null
 * @param token      the PKCS#11 token that generates and holds the tenant's private keys, or null (the key vault)
 */
public record TenantKeySettings(String tenantId, String issuer, TokenAlgorithm algorithm, SharedSecret hs256,
                                Pkcs11Token token) {
    /** Keys in the key vault. */
    public TenantKeySettings(String tenantId, String issuer, TokenAlgorithm algorithm, SharedSecret hs256) {
        this(tenantId, issuer, algorithm, hs256, null);
    }

    public TenantKeySettings {
        KeyIds.requireTenant(tenantId);
        Objects.requireNonNull(issuer, "issuer");
        if (issuer.isBlank()) {
            throw new IllegalArgumentException("issuer must not be blank");
        }
        algorithm = algorithm == null ? TokenAlgorithm.ES256 : algorithm;
        if (algorithm != TokenAlgorithm.ES256 && algorithm != TokenAlgorithm.EDDSA && algorithm != TokenAlgorithm.RS256) {
            throw new IllegalArgumentException("tenant signing algorithm must be ES256, EdDSA or RS256, got " + algorithm);
        }
        if (token != null && algorithm == TokenAlgorithm.EDDSA) {
            throw new IllegalArgumentException("a PKCS#11 tenant key must be ES256 or RS256 (SunPKCS11 has no Ed25519)");
        }
    }

    /** ES256, no HS256 secret. */
    public static TenantKeySettings of(String tenantId, String issuer) {
        return new TenantKeySettings(tenantId, issuer, TokenAlgorithm.ES256, null);
    }
}
