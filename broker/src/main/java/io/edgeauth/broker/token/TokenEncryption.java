package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.refusal.RejectionReason;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import io.edgeauth.broker.crypto.CryptoProviders;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.keys.ResourceServers;
import io.edgeauth.broker.keys.TokenEncryptionKeys;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Objects;
import java.util.Set;

/**
 * Encrypts signed tokens to the broker (or to a registered resource server, which alone opens them) and opens them again: nested JWTs ({@link NestedJwt}) and
 * COSE_Encrypt0 CWTs ({@link CoseEncrypt0}), with the tenant's keys from {@link TokenEncryptionKeys}.
 * What comes out of {@link #open} is only ever a signed token, which then takes the verifier's normal
 * path: an encrypted token whose inner signature fails is refused like any forgery. Thread-safe.
 */
public final class TokenEncryption {
    private final TokenEncryptionKeys keys;
    private final Set<String> alwaysEncrypted;
    private final Provider keyAgreement;
    private final ResourceServers resourceServers;

    /**
     * @param keys            the tenants' encryption keys
     * @param alwaysEncrypted tenants whose tokens are encrypted whatever format the client asks for
     * @param crypto          the token crypto choice: with ACCP, the JWE key agreement runs on it too
     */
    public TokenEncryption(TokenEncryptionKeys keys, Set<String> alwaysEncrypted, CryptoProviders crypto) {
        this(keys, alwaysEncrypted, crypto, ResourceServers.NONE);
    }

    /** As above; a nested JWT whose one audience is a registered resource server is encrypted to that server. */
    public TokenEncryption(TokenEncryptionKeys keys, Set<String> alwaysEncrypted, CryptoProviders crypto,
                           ResourceServers resourceServers) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.alwaysEncrypted = Set.copyOf(alwaysEncrypted);
        this.keyAgreement = crypto.isAccp() ? crypto.signatureProvider() : null;
        this.resourceServers = Objects.requireNonNull(resourceServers, "resourceServers");
    }

    /** Whether tokens may be issued for {@code audience} as a registered resource server. */
    public boolean isResourceServer(String audience) {
        return resourceServers.isRegistered(audience);
    }

    /** The format to issue for the tenant: the requested one, or its encrypted form when the tenant's policy says so. */
    TokenFormat formatFor(String tenant, TokenFormat requested) {
        if (requested.encrypted() || !alwaysEncrypted.contains(tenant)) {
            return requested;
        }
        return requested == TokenFormat.CWT ? TokenFormat.CWT_ENCRYPTED : TokenFormat.JWE;
    }

    /**
     * Encrypts a signed token of {@code format.signed()} for the tenant.
     *
     * @throws IllegalArgumentException for an unknown tenant or a format that is not encrypted
     */
    byte[] seal(TokenClaims claims, TokenFormat format, byte[] signed) throws GeneralSecurityException {
        String audience = claims.audience().size() == 1 ? claims.audience().get(0) : null;
        if (resourceServers.isRegistered(audience)) {
            // the resource server is the recipient, not the broker: COSE_Encrypt0 would need a key it shares with us
            if (format != TokenFormat.JWE) {
                throw new IllegalArgumentException("a token for resource server " + audience + " can only be encrypted as jwe");
            }
            JWK key = resourceServers.encryptionKey(audience).orElseThrow(() -> new IllegalStateException(
                    "resource server " + audience + ": no encryption key loaded from its JWKS"));
            return NestedJwt.encryptTo(key, new String(signed, StandardCharsets.US_ASCII));
        }
        return seal(claims.tenantId(), format, signed);
    }

    private byte[] seal(String tenant, TokenFormat format, byte[] signed) throws GeneralSecurityException {
        TokenEncryptionKeys.TenantKeys k = keys.forTenant(tenant)
                .orElseThrow(() -> new IllegalArgumentException("no encryption keys for tenant " + tenant));
        return switch (format) {
            case JWE -> NestedJwt.encrypt(k.jweKey(), new String(signed, StandardCharsets.US_ASCII));
            case CWT_ENCRYPTED -> CoseEncrypt0.encrypt(k.coseKey().toByteArray(),
                    k.coseKey().getKeyID().getBytes(StandardCharsets.US_ASCII), signed);
            default -> throw new IllegalArgumentException(format + " is not an encrypted format");
        };
    }

    /** Opens a compact JWE: the nested signed JWT inside. */
    byte[] openJwe(byte[] token) throws TokenRejectedException {
        JWEObject jwe = NestedJwt.parse(token);
        if (!"JWT".equalsIgnoreCase(jwe.getHeader().getContentType())) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "JWE content is not a JWT (cty)");
        }
        ECKey key = keys.jweKey(jwe.getHeader().getKeyID()).orElseThrow(() ->
                new TokenRejectedException(RejectionReason.UNKNOWN_KEY, "no encryption key with that kid"));
        byte[] inner = NestedJwt.decrypt(jwe, key, keyAgreement);
        if (!JwtDecoder.looksLikeJwt(inner) || NestedJwt.looksLikeJwe(inner)) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "a JWE must hold a signed JWT");
        }
        return inner;
    }

    /** Opens a COSE_Encrypt0: the signed CWT inside. */
    byte[] openCose(byte[] cbor) throws TokenRejectedException {
        CoseEncrypt0.Parts parts = CoseEncrypt0.decode(cbor);
        if (parts.kid() == null) {
            throw new TokenRejectedException(RejectionReason.MISSING_KID, "kid required");
        }
        OctetSequenceKey key = keys.coseKey(new String(parts.kid(), StandardCharsets.US_ASCII)).orElseThrow(() ->
                new TokenRejectedException(RejectionReason.UNKNOWN_KEY, "no encryption key with that kid"));
        byte[] inner = CoseEncrypt0.decrypt(parts, key.toByteArray());
        if (inner.length == 0 || (inner[0] & 0xff) < 0x80 || CoseEncrypt0.looksLikeEncrypt0(inner)) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "a COSE_Encrypt0 must hold a signed CWT");
        }
        return inner;
    }
}
