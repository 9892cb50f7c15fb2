package io.edgeauth.device;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-device secrets a factory derives from a fleet secret, as the broker derives them: a device's DTLS PSK from
 * {@code coap.pskMasterSecretFile}, and an enrollment-group member's HS256 key from the group's {@code secretFile}. Both
 * are HKDF-SHA256 (RFC 5869) with an empty salt, info = the device id in UTF-8, 32 bytes; the broker derives through
 * this class too. Written out here because
 * the JDK has HKDF only from Java 24 on, and the SDK must not pull in a crypto library for twelve lines.
 */
public final class DeviceSecrets {
    private static final byte[] ZERO_SALT = new byte[32];

    private DeviceSecrets() {
    }

    /** HKDF-SHA256(master, info = device id), 32 bytes: the device's PSK, or its enrollment-group key. */
    public static byte[] derive(byte[] master, String deviceId) {
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(deviceId, "deviceId");
        try {
            Mac mac = jdkHmac();
            mac.init(new SecretKeySpec(ZERO_SALT, "HmacSHA256"));
            byte[] prk = mac.doFinal(master);                            // HKDF-Extract
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            mac.update(deviceId.getBytes(StandardCharsets.UTF_8));       // HKDF-Expand: one block is 32 bytes
            mac.update((byte) 1);
            byte[] okm = mac.doFinal();
            Arrays.fill(prk, (byte) 0);
            return okm;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The JDK's own HMAC when present, so a native provider installed first cannot change the derived keys. */
    private static Mac jdkHmac() throws java.security.NoSuchAlgorithmException {
        try {
            return Mac.getInstance("HmacSHA256", "SunJCE");
        } catch (java.security.NoSuchProviderException e) {
            return Mac.getInstance("HmacSHA256");
        }
    }
}
