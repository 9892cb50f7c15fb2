package io.edgeauth.device;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.edgeauth.device.internal.Ed25519Support;
import io.edgeauth.device.internal.PemKeys;
import io.edgeauth.device.internal.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a device is: its id and its signing key pair (EC P-256 by default, Ed25519 optionally).
 *
 * <p>The private key never leaves this object except through {@link #save(Path)}, which writes it as a
 * JWK readable by the owner only (POSIX mode 600). {@link #publicJwk()} is what an operator registers
 * with {@code POST /admin/devices}; {@link #thumbprint()} (RFC 7638, SHA-256) is the {@code kid} of
 * every assertion the device signs.
 *
 * <p>Immutable and thread-safe.
 */
public final class DeviceIdentity {
    /** Member of the saved JWK that carries the device id (RFC 7517 §4 lets readers ignore it). */
    static final String DEVICE_ID_MEMBER = "device_id";
    /** Largest key file accepted by {@link #load(Path)}. */
    static final int MAX_FILE_BYTES = 16 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(DeviceIdentity.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** The kinds of device key. */
    public enum KeyType {
        /** ECDSA on P-256, signs ES256. The default. */
        EC_P256(JWSAlgorithm.ES256),
        /** Ed25519, signs EdDSA. */
        ED25519(JWSAlgorithm.EdDSA);

        private final JWSAlgorithm algorithm;

        KeyType(JWSAlgorithm algorithm) {
            this.algorithm = algorithm;
        }

        /** The JWS algorithm this key signs with. */
        public JWSAlgorithm algorithm() {
            return algorithm;
        }
    }

    private final String deviceId;
    private final JWK privateJwk;
    private final KeyType keyType;
    private final String thumbprint;
    private volatile JWSSigner signer;

    private DeviceIdentity(String deviceId, JWK privateJwk) {
        this.deviceId = checkId(deviceId);
        if (!privateJwk.isPrivate()) {
            throw new IllegalArgumentException("a device identity needs the private key");
        }
        if (privateJwk instanceof ECKey && Curve.P_256.equals(((ECKey) privateJwk).getCurve())) {
            this.keyType = KeyType.EC_P256;
        } else if (privateJwk instanceof OctetKeyPair && Curve.Ed25519.equals(((OctetKeyPair) privateJwk).getCurve())) {
            this.keyType = KeyType.ED25519;
        } else {
            throw new IllegalArgumentException("unsupported key: only EC P-256 and Ed25519");
        }
        try {
            this.thumbprint = privateJwk.toPublicJWK().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute the key thumbprint", e);
        }
        this.privateJwk = privateJwk;
    }

    /** Generates a new identity with an EC P-256 key. */
    public static DeviceIdentity generate(String deviceId) {
        return generate(deviceId, KeyType.EC_P256);
    }

    /** Generates a new identity with a key of the given type. */
    public static DeviceIdentity generate(String deviceId, KeyType type) {
        Objects.requireNonNull(type, "type");
        JWK jwk;
        if (type == KeyType.ED25519) {
            jwk = Ed25519Support.generate();
        } else {
            try {
                jwk = new ECKeyGenerator(Curve.P_256).generate();
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot generate a P-256 key", e);
            }
        }
        return new DeviceIdentity(deviceId, jwk);
    }

    /** Wraps an existing private JWK (EC P-256 or Ed25519). */
    public static DeviceIdentity of(String deviceId, JWK privateJwk) {
        return new DeviceIdentity(deviceId, Objects.requireNonNull(privateJwk, "privateJwk"));
    }

    /**
     * An identity from a factory's PEM files, read with the JDK alone (Nimbus's own PEM parser needs BouncyCastle's
     * PKIX jar, which the SDK does not bring): the private key as PKCS#8 ({@code BEGIN PRIVATE KEY}, EC P-256 or
     * Ed25519) or OpenSSL's {@code BEGIN EC PRIVATE KEY}, not encrypted, and its certificate (the first in
     * {@code certificatePem}, a chain file's leaf), whose public key it must match. The chain for {@code x5c}:
     * {@link #certificatesFromPem}.
     *
     * <pre>{@code
     * DeviceIdentity id = DeviceIdentity.fromPem("pump-1", Files.readString(keyFile), Files.readString(certFile));
     * }</pre>
     *
     * @throws IllegalArgumentException no such key or certificate, an encrypted key, another key type, or a key that
     *                                  is not the certificate's
     */
    public static DeviceIdentity fromPem(String deviceId, String privateKeyPem, String certificatePem) {
        PrivateKey key = PemKeys.privateKey(Objects.requireNonNull(privateKeyPem, "privateKeyPem"));
        X509Certificate leaf = certificatesFromPem(Objects.requireNonNull(certificatePem, "certificatePem")).get(0);
        PublicKey pub = leaf.getPublicKey();
        if (!PemKeys.matches(key, pub)) {
            throw new IllegalArgumentException("the private key does not match the certificate of "
                    + leaf.getSubjectX500Principal());
        }
        try {
            if (key instanceof ECPrivateKey ec && pub instanceof ECPublicKey ecPub
                    && Curve.P_256.equals(Curve.forECParameterSpec(ecPub.getParams()))) {
                return new DeviceIdentity(deviceId, new ECKey.Builder(Curve.P_256, ecPub).privateKey(ec).build());
            }
            if (key instanceof EdECPrivateKey) {
                return new DeviceIdentity(deviceId, Ed25519Support.jwk(pub, key));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unsupported key: only EC P-256 and Ed25519");
    }

    /**
     * The certificates of a PEM file in their order (a chain file: leaf first), e.g. for
     * {@link ClientAssertions.Builder#certificateChain}.
     *
     * @throws IllegalArgumentException no certificate, or one that does not parse
     */
    public static List<X509Certificate> certificatesFromPem(String pem) {
        return PemKeys.certificates(Objects.requireNonNull(pem, "pem"));
    }

    /**
     * Reads an identity saved by {@link #save(Path)}: a private JWK with a {@code device_id} member.
     *
     * @throws IOException if the file cannot be read, is too large, or is not such a JWK
     */
    public static DeviceIdentity load(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException("key file larger than " + MAX_FILE_BYTES + " bytes: " + file);
        }
        warnIfReadableByOthers(file);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            Map<String, Object> json = JSONObjectUtils.parse(text);
            Object id = json.remove(DEVICE_ID_MEMBER);
            if (!(id instanceof String)) {
                throw new IOException("key file has no " + DEVICE_ID_MEMBER + ": " + file);
            }
            return new DeviceIdentity((String) id, JWK.parse(json));
        } catch (ParseException | IllegalArgumentException e) {
            throw new IOException("not a device key file: " + file + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Writes the private JWK (with {@code device_id} and {@code kid} = thumbprint) to {@code file},
     * atomically and with POSIX mode 600 where the file system supports it. Replaces an existing file.
     */
    public void save(Path file) throws IOException {
        Map<String, Object> json = privateJwk.toJSONObject();
        json.put("kid", thumbprint);
        json.put(DEVICE_ID_MEMBER, deviceId);
        SecureFiles.writePrivate(file, JSONObjectUtils.toJSONString(json));
    }

    /** The device id: MQTT client id and username, JWT iss/sub, PSK identity. */
    public String deviceId() {
        return deviceId;
    }

    /** The kind of key. */
    public KeyType keyType() {
        return keyType;
    }

    /** The JWS algorithm of the key (ES256 or EdDSA). */
    public JWSAlgorithm algorithm() {
        return keyType.algorithm();
    }

    /** The RFC 7638 SHA-256 thumbprint of the public key, base64url. */
    public String thumbprint() {
        return thumbprint;
    }

    /** The public JWK with {@code kid} = thumbprint, {@code use} = sig and {@code alg}: safe to share. */
    public JWK publicJwk() {
        Map<String, Object> json = privateJwk.toPublicJWK().toJSONObject();
        json.put("kid", thumbprint);
        json.put("use", KeyUse.SIGNATURE.identifier());
        json.put("alg", keyType.algorithm().getName());
        try {
            return JWK.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signer for this key, made once (both signers used here are thread-safe). */
    JWSSigner signer() {
        JWSSigner s = signer;
        if (s == null) {
            s = newSigner();
            signer = s;
        }
        return s;
    }

    private JWSSigner newSigner() {
        return newSigner(null);
    }

    /** A new signer for this key whose signatures {@code provider} computes (null: the JVM's providers). */
    JWSSigner newSigner(java.security.Provider provider) {
        try {
            if (keyType == KeyType.ED25519) {
                return Ed25519Support.signer((OctetKeyPair) privateJwk, provider);
            }
            ECDSASigner ec = new ECDSASigner((ECKey) privateJwk);
            if (provider != null) {
                java.security.Signature.getInstance("SHA256withECDSA", provider); // refused now, not at the first signature
                ec.getJCAContext().setProvider(provider);
            }
            return ec;
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a signer for the device key", e);
        }
    }

    private static void warnIfReadableByOthers(Path file) {
        if (!SecureFiles.posix()) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("device key file {} is readable by others ({}); it should be mode 600", file, PosixFilePermissions.toString(perms));
            }
        } catch (IOException e) {
            // the read that follows reports real problems
        }
    }

    private static String checkId(String id) {
        Objects.requireNonNull(id, "deviceId");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("device id must be 1-128 of [A-Za-z0-9._:-] (it is used in MQTT topics): " + id);
        }
        return id;
    }

    /** Shows the id and thumbprint, never the key. */
    @Override
    public String toString() {
        return "DeviceIdentity{" + deviceId + ", " + keyType + ", kid=" + thumbprint + "}";
    }
}
