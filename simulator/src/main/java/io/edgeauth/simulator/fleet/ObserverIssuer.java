package io.edgeauth.simulator.fleet;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.device.DeviceIdentity;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;

/**
 * The observer's token issuer: a P-256 key derived from the fleet seed (as device {@code observer-0} of
 * the fleet's derivation, prefix {@code observer}), trusted by the broker as an outside issuer
 * ({@code trustedIssuers: [{issuer, jwksFile, tenant}]} with the JWKS of {@link #jwksJson()}). It signs
 * the observer's token: for a wallet-style subject ({@code did:pkh:eip155:1:0x...}, derived too) with the
 * scope {@code sub:<filter>}, so the observer may subscribe to the fleet's telemetry and nothing else; and,
 * with {@code --token-source issuer}, the fleet's device tokens ({@link #deviceToken}).
 * The broker never learns the fleet seed. Immutable and thread-safe.
 */
public final class ObserverIssuer {
    /** The audience the broker accepts by default besides its URL. */
    public static final String AUDIENCE = "edgeauth";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String issuer;
    private final ECKey key;
    private final String subject;
    /** Signs on {@link SignatureProviders#signing()}: with {@code --token-source issuer} once per device session. */
    private final ECDSASigner signer;

    public ObserverIssuer(String seed, String issuer) {
        FleetIdentities keys = new FleetIdentities(seed, "observer", DeviceIdentity.KeyType.EC_P256);
        DeviceIdentity id = keys.identity(0);
        this.issuer = issuer;
        this.key = new ECKey.Builder((ECKey) keys.privateKey(0)).keyID(id.thumbprint()).build();
        byte[] address = java.util.Arrays.copyOf(Base64.getUrlDecoder().decode(id.thumbprint()), 20);
        this.subject = "did:pkh:eip155:1:0x" + HexFormat.of().formatHex(address);
        try {
            this.signer = new ECDSASigner(key);
        } catch (JOSEException e) {
            throw new IllegalStateException("the issuer key cannot sign", e);
        }
        signer.getJCAContext().setProvider(SignatureProviders.signing());
    }

    public String issuer() {
        return issuer;
    }

    /** The observer's subject (a wallet DID: the broker gives wallets no device of their own). */
    public String subject() {
        return subject;
    }

    /** The JWKS (public key only) for the broker's {@code trustedIssuers[].jwksFile}. */
    public String jwksJson() {
        return new JWKSet(key.toPublicJWK()).toString(true);
    }

    /** A token for the observer: {@code scope = sub:<filter>}, valid for {@code lifetime}. */
    public String token(String filter, Duration lifetime) {
        return scopedToken("sub:" + filter, lifetime);
    }

    /** A token for the observer with {@code scope} (space-separated {@code sub:}/{@code pub:} grants). */
    public String scopedToken(String scope, Duration lifetime) {
        return sign(subject, scope, Instant.now(), lifetime);
    }

    /**
     * A token for a registered device of the fleet, as a fleet backend acting as an outside authorization server
     * would issue it: {@code sub} = the device id, no scope (a device's own topics need none), valid for
     * {@code lifetime} from {@code now}. The broker checks it like any token (issuer trusted, tenant, registry,
     * the DTLS PSK identity equal to {@code sub}).
     */
    public String deviceToken(String deviceId, Instant now, Duration lifetime) {
        return deviceToken(deviceId, now, lifetime, java.util.List.of());
    }

    /** As above, restricted to the GeoHash cells {@code geo} (none: not region-restricted). */
    public String deviceToken(String deviceId, Instant now, Duration lifetime, java.util.List<String> geo) {
        return sign(deviceId, null, now, lifetime, geo);
    }

    private String sign(String sub, String scope, Instant now, Duration lifetime) {
        return sign(sub, scope, now, lifetime, java.util.List.of());
    }

    private String sign(String sub, String scope, Instant now, Duration lifetime, java.util.List<String> geo) {
        byte[] jti = new byte[16];
        RANDOM.nextBytes(jti);
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(issuer).subject(sub).audience(AUDIENCE)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(Base64.getUrlEncoder().withoutPadding().encodeToString(jti));
        if (scope != null) {
            b.claim("scope", scope);
        }
        if (!geo.isEmpty()) {
            b.claim("geo", geo);
        }
        JWTClaimsSet claims = b.build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token as the simulator's issuer", e);
        }
        return jwt.serialize();
    }
}
