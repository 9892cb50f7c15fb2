package io.edgeauth.device;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Builds RFC 7523 client assertions: JWTs signed with the device key that authenticate the device at
 * the token endpoint ({@code iss} = {@code sub} = device id, {@code aud} = token endpoint URL,
 * {@code iat}, {@code exp} at most 5 minutes later, a random 128-bit {@code jti}, {@code kid} = key
 * thumbprint in the header).
 *
 * <pre>{@code
 * ClientAssertions assertions = ClientAssertions.builder(identity)
 *         .audience(URI.create("https://broker:8443/oauth/token").toString())
 *         .lifetime(Duration.ofMinutes(1))
 *         .build();
 * String jwt = assertions.create();
 * }</pre>
 *
 * <p>Handed to a {@link TokenClient} unbuilt ({@link TokenClient.Builder#assertions(Builder)}), the builder needs
 * no audience: the client names its token endpoint (zero-touch with {@link Builder#certificateChain}, an
 * enrollment-group device with {@link #groupBuilder}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientAssertions {
    /** The longest lifetime the broker accepts (docs/contract.md: exp within 5 minutes). */
    public static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
    /** The default lifetime: short, leaves room for clock skew. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);
    /** {@code client_assertion_type} for JWT bearer assertions (RFC 7523 §2.2). */
    public static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Null for a device of an enrollment group (it signs with its group-derived key, not a key pair). */
    private final DeviceIdentity identity;
    private final String deviceId;
    /** The enrollment group ({@code kid}) of a group-derived device, else null. */
    private final String groupId;
    private final String audience;
    private final Duration lifetime;
    private final Clock clock;
    /** The identity's own signer, or one on the builder's JCA provider. */
    private final JWSSigner signer;
    private final List<com.nimbusds.jose.util.Base64> x5c;

    private ClientAssertions(Builder b) {
        this.identity = b.identity;
        this.deviceId = b.deviceId;
        this.groupId = b.groupId;
        this.audience = Objects.requireNonNull(b.audience, "audience (the token endpoint URL, e.g."
                + " https://broker.example:8443/oauth/token) is required: set .audience(...), or hand the builder to"
                + " TokenClient.Builder.assertions(ClientAssertions.Builder), which names its token endpoint");
        this.lifetime = b.lifetime;
        this.x5c = b.x5c;
        this.clock = b.clock;
        if (b.groupKey != null) {
            try {
                this.signer = new com.nimbusds.jose.crypto.MACSigner(b.groupKey);
            } catch (com.nimbusds.jose.KeyLengthException e) {
                throw new IllegalArgumentException("a group-derived device key has at least 32 bytes", e);
            }
        } else {
            this.signer = b.provider == null ? null : identity.newSigner(b.provider);
        }
    }

    /** Starts a builder for assertions signed by {@code identity}. */
    public static Builder builder(DeviceIdentity identity) {
        return new Builder(Objects.requireNonNull(identity, "identity"), identity.deviceId(), null, null);
    }

    /**
     * Starts a builder for a device of an enrollment group (RFC 7523 section 2.2, {@code client_secret_jwt}): HS256 with
     * {@code deviceKey} = HKDF-SHA256(group secret, info = device id, 32 bytes), which the device's factory gave it,
     * header {@code kid} = {@code groupId}. The broker registers the device on its first token request. Such a device
     * holds no key pair: its tokens are not bound to one ({@code cnf}).
     */
    public static Builder groupBuilder(String deviceId, String groupId, byte[] deviceKey) {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(groupId, "groupId");
        if (deviceKey == null || deviceKey.length < 32) {
            throw new IllegalArgumentException("a group-derived device key has at least 32 bytes");
        }
        return new Builder(null, deviceId, groupId, deviceKey.clone());
    }

    /** Signs a fresh assertion (new jti, iat = now) and returns its compact serialization. */
    public String create() {
        Instant now = clock.instant();
        byte[] jti = new byte[16];
        RANDOM.nextBytes(jti);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(deviceId)
                .subject(deviceId)
                .audience(audience)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(Base64.getUrlEncoder().withoutPadding().encodeToString(jti))
                .build();
        JWSHeader.Builder header = identity == null
                ? new JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.HS256).keyID(groupId).type(JOSEObjectType.JWT)
                : new JWSHeader.Builder(identity.algorithm()).keyID(identity.thumbprint()).type(JOSEObjectType.JWT);
        if (!x5c.isEmpty()) {
            header.x509CertChain(x5c);
        }
        SignedJWT jwt = new SignedJWT(header.build(), claims);
        try {
            jwt.sign(signer != null ? signer : identity.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the client assertion", e);
        }
        return jwt.serialize();
    }

    /** The audience every assertion names. */
    public String audience() {
        return audience;
    }

    /** The identity that signs; null for a device of an enrollment group ({@link #groupBuilder}). */
    public DeviceIdentity identity() {
        return identity;
    }

    /** The device the assertions authenticate ({@code iss} and {@code sub}). */
    public String deviceId() {
        return deviceId;
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final DeviceIdentity identity;
        private final String deviceId;
        private final String groupId;
        private final byte[] groupKey;
        private String audience;
        private Duration lifetime = DEFAULT_LIFETIME;
        private Clock clock = Clock.systemUTC();
        private Provider provider;
        private List<com.nimbusds.jose.util.Base64> x5c = List.of();

        private Builder(DeviceIdentity identity, String deviceId, String groupId, byte[] groupKey) {
            this.identity = identity;
            this.deviceId = deviceId;
            this.groupId = groupId;
            this.groupKey = groupKey;
        }

        /**
         * The token endpoint URL (or the issuer), exactly as the broker expects it: its public URL + {@code /oauth/token}.
         * Required, unless the builder goes to {@link TokenClient.Builder#assertions(Builder)}, which fills it in.
         */
        public Builder audience(String audience) {
            this.audience = Objects.requireNonNull(audience, "audience");
            return this;
        }

        /** Sets the audience unless one was set (TokenClient's default). */
        Builder audienceIfUnset(String audience) {
            if (this.audience == null) {
                this.audience = audience;
            }
            return this;
        }

        /** How long an assertion is valid: more than 0, at most 5 minutes. Default 60 s. */
        public Builder lifetime(Duration lifetime) {
            if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_LIFETIME) > 0) {
                throw new IllegalArgumentException("assertion lifetime must be in (0, 5 min]: " + lifetime);
            }
            this.lifetime = lifetime;
            return this;
        }

        /** The clock for iat/exp (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The JCA provider that computes the signatures (e.g. a native one such as the Amazon Corretto Crypto
         * Provider, where the JDK's P-256 signature is slow); it must offer {@code SHA256withECDSA} for a P-256 key,
         * {@code Ed25519} for an Ed25519 key. Default: the JVM's providers. The assertions are the same either way.
         */
        public Builder signatureProvider(Provider provider) {
            this.provider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Zero-touch provisioning: every assertion carries this certificate chain in its {@code x5c} header (leaf
         * first, the leaf over this identity's public key, issued by a fleet CA the broker trusts), so a device the
         * broker does not know yet is registered on its first token request. Default: none.
         */
        public Builder certificateChain(List<X509Certificate> chain) {
            List<com.nimbusds.jose.util.Base64> encoded = new ArrayList<>(chain.size());
            for (X509Certificate c : chain) {
                try {
                    encoded.add(com.nimbusds.jose.util.Base64.encode(c.getEncoded()));
                } catch (CertificateEncodingException e) {
                    throw new IllegalArgumentException("cannot encode certificate " + c.getSubjectX500Principal(), e);
                }
            }
            this.x5c = List.copyOf(encoded);
            return this;
        }

        /**
         * @throws IllegalStateException a group device's builder was given a signature provider or a certificate
         *                               chain: it signs with HMAC and holds no certified key, so neither would apply
         */
        public ClientAssertions build() {
            if (groupKey != null && (provider != null || !x5c.isEmpty())) {
                throw new IllegalStateException("a device of an enrollment group signs HS256 with its group-derived key:"
                        + " a signature provider or a certificate chain does not apply to it");
            }
            return new ClientAssertions(this);
        }
    }
}
