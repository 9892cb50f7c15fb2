package io.edgeauth.broker.wallet;

import io.edgeauth.broker.store.Store;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * One-time device claim codes: the admin API issues one for a device, the device's new owner presents
 * it with the device id to claim the device for their wallet. A code is 128 random bits
 * ({@code cc_} + 22 base64url characters); the {@link Store} keeps only SHA-256(device id, code) with
 * the code's expiry, so a leaked store does not leak codes, and a code is bound to its device.
 * {@link #consume} spends a code atomically ({@link Store#take}): of two racing claims exactly one
 * wins; a wrong code spends nothing. Thread-safe.
 */
public final class ClaimCodes {
    static final String SPACE = "device-claim-codes";

    private final Store store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /** An issued code and when it stops working. */
    public record Issued(String code, Instant expiresAt) { }

    public ClaimCodes(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public Issued issue(String deviceId, Duration lifetime) {
        byte[] b = new byte[16];
        random.nextBytes(b);
        String code = "cc_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Instant expires = clock.instant().plus(lifetime);
        store.put(SPACE, key(deviceId, code), ByteBuffer.allocate(8).putLong(expires.toEpochMilli()).array(), expires);
        return new Issued(code, expires);
    }

    /** Spends the code if it was issued for this device, is unused and unexpired; false otherwise. */
    public boolean consume(String deviceId, String code) {
        if (deviceId == null || code == null || code.length() > 64 || deviceId.length() > 128) {
            return false;
        }
        return store.take(SPACE, key(deviceId, code))
                .map(v -> clock.millis() < ByteBuffer.wrap(v).getLong())
                .orElse(false);
    }

    private static String key(String deviceId, String code) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(deviceId.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d.digest(code.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
