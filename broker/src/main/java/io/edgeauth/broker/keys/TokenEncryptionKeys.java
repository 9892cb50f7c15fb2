package io.edgeauth.broker.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import java.io.IOException;
import java.text.ParseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The keys tokens are encrypted to, one pair per tenant: a P-256 key for nested JWTs (JWE with
 * {@code ECDH-ES}: anyone holding the public key could encrypt to the broker, only the broker decrypts)
 * and a 256-bit AES key for COSE_Encrypt0 CWTs (which have no recipient structure, so the key is a
 * shared secret the broker alone holds: it both issues and verifies them).
 *
 * <p>Both live in the tenant's {@link KeyVault} under one entry ({@value #VAULT_ENTRY}), created on the
 * first start under the vault's lock, so every node of a deployment on a shared vault decrypts what any
 * node issued. Keys are found by their {@code kid} (unique across tenants: thumbprint-derived).
 * Rotation is not offered yet: a tenant's keys live as long as its vault entry. Thread-safe, immutable.
 */
public final class TokenEncryptionKeys {
    /** The vault entry holding a tenant's encryption keys (a private JWK set). */
    static final String VAULT_ENTRY = "token-encryption";

    /** One tenant's two keys. */
    public record TenantKeys(String tenant, ECKey jweKey, OctetSequenceKey coseKey) {
        public TenantKeys {
            Objects.requireNonNull(tenant, "tenant");
            if (!jweKey.isPrivate() || !Curve.P_256.equals(jweKey.getCurve())) {
                throw new IllegalArgumentException("tenant " + tenant + ": the JWE key must be a private P-256 key");
            }
            if (coseKey.size() != 256) {
                throw new IllegalArgumentException("tenant " + tenant + ": the COSE key must be 256 bits");
            }
        }
    }

    private final Map<String, TenantKeys> byTenant = new HashMap<>();
    private final Map<String, TenantKeys> byKid = new HashMap<>();

    /** Keys given directly (tests, or a deployment that brings its own). */
    public TokenEncryptionKeys(Collection<TenantKeys> keys) {
        for (TenantKeys k : keys) {
            byTenant.put(k.tenant(), k);
            if (byKid.put(k.jweKey().getKeyID(), k) != null || byKid.put(k.coseKey().getKeyID(), k) != null) {
                throw new IllegalArgumentException("encryption key ids must be unique across tenants");
            }
        }
    }

    /** Reads each tenant's keys from the vault, creating them on first use. */
    public static TokenEncryptionKeys open(KeyVault vault, Collection<String> tenants) throws IOException {
        java.util.List<TenantKeys> all = new java.util.ArrayList<>();
        for (String tenant : tenants) {
            all.add(vault.exclusive(tenant, () -> {
                Optional<String> stored = vault.findKey(tenant, VAULT_ENTRY);
                if (stored.isPresent()) {
                    return parse(tenant, stored.get());
                }
                TenantKeys fresh = generate(tenant);
                vault.writeKey(tenant, VAULT_ENTRY, new JWKSet(java.util.List.of(fresh.jweKey(), fresh.coseKey()))
                        .toString(false));
                return fresh;
            }));
        }
        return new TokenEncryptionKeys(all);
    }

    /** Fresh keys for a tenant; kids are derived from RFC 7638 thumbprints. */
    public static TenantKeys generate(String tenant) {
        try {
            ECKey ec = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.ENCRYPTION)
                    .algorithm(JWEAlgorithm.ECDH_ES).generate();
            ec = new ECKey.Builder(ec).keyIDFromThumbprint().build();
            OctetSequenceKey aes = new OctetSequenceKeyGenerator(256).keyUse(KeyUse.ENCRYPTION).generate();
            aes = new OctetSequenceKey.Builder(aes).keyIDFromThumbprint().build();
            return new TenantKeys(tenant, ec, aes);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate token encryption keys", e);
        }
    }

    private static TenantKeys parse(String tenant, String json) throws IOException {
        try {
            JWKSet set = JWKSet.parse(json);
            ECKey ec = null;
            OctetSequenceKey aes = null;
            for (JWK k : set.getKeys()) {
                if (k instanceof ECKey e) {
                    ec = e;
                } else if (k instanceof OctetSequenceKey o) {
                    aes = o;
                }
            }
            if (ec == null || aes == null) {
                throw new IOException("tenant " + tenant + ": the token encryption entry lacks a key");
            }
            return new TenantKeys(tenant, ec, aes);
        } catch (ParseException | IllegalArgumentException e) {
            throw new IOException("tenant " + tenant + ": unreadable token encryption keys", e);
        }
    }

    /** The tenant's keys, or empty for an unknown tenant. */
    public Optional<TenantKeys> forTenant(String tenant) {
        return Optional.ofNullable(byTenant.get(tenant));
    }

    /** The private P-256 key with this kid, or empty. */
    public Optional<ECKey> jweKey(String kid) {
        TenantKeys k = kid == null ? null : byKid.get(kid);
        return k != null && kid.equals(k.jweKey().getKeyID()) ? Optional.of(k.jweKey()) : Optional.empty();
    }

    /** The AES key with this kid, or empty. */
    public Optional<OctetSequenceKey> coseKey(String kid) {
        TenantKeys k = kid == null ? null : byKid.get(kid);
        return k != null && kid.equals(k.coseKey().getKeyID()) ? Optional.of(k.coseKey()) : Optional.empty();
    }

    /** The public halves of the JWE keys, for a tenant's JWKS ({@code use: enc}). */
    public JWKSet publicJweKeys(String tenant) {
        TenantKeys k = byTenant.get(tenant);
        return k == null ? new JWKSet() : new JWKSet(k.jweKey().toPublicJWK());
    }
}
