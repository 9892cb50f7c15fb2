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
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * One-time device claim codes: the admin API issues one for a device, the device's new owner presents
 * it with the device id to claim the device for their wallet. A code is 128 random bits
 * ({@code cc_} + 22 base64url characters), bound to the device's record: the caller names it ({@code record}: what
 * stays the same while the record is the device's, and changes when the id is deleted and registered again), so the
 * unspent code of a deleted device never claims the next device registered under its id. The {@link Store} keeps,
 * under the device id, only SHA-256(device id, record, code) and the expiry, so a leaked store does not leak codes;
 * a device has at
 * most one outstanding code (issuing a new one cancels the old). {@link #consume} compares first and
 * then spends the code atomically with {@link Store#take}: a wrong guess spends nothing, and of two
 * racing claims with the right code exactly one wins. Thread-safe.
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

    /** A new code for the device's {@code record}; any earlier code of the device stops working. */
    public Issued issue(String deviceId, String record, Duration lifetime) {
        byte[] b = new byte[16];
        random.nextBytes(b);
        String code = "cc_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Instant expires = clock.instant().plus(lifetime);
        store.put(SPACE, deviceId, ByteBuffer.allocate(40).putLong(expires.toEpochMilli()).put(hash(deviceId, record, code)).array(),
                expires);
        return new Issued(code, expires);
    }

    /**
     * Spends the code if it is the device's outstanding one, issued for this {@code record}, unused and unexpired;
     * false otherwise.
     */
    public boolean consume(String deviceId, String record, String code) {
        if (deviceId == null || code == null || code.length() > 64 || deviceId.length() > 128) {
            return false;
        }
        byte[] presented = hash(deviceId, record, code);
        if (!store.get(SPACE, deviceId).map(v -> matches(v, presented)).orElse(false)) {
            return false;
        }
        Optional<byte[]> taken = store.take(SPACE, deviceId);
        if (taken.isEmpty()) {
            return false; // a racing claim won
        }
        if (!matches(taken.get(), presented)) { // a new code was issued in between: keep it
            store.putIfAbsent(SPACE, deviceId, taken.get(), Instant.ofEpochMilli(ByteBuffer.wrap(taken.get()).getLong()));
            return false;
        }
        return true;
    }

    private boolean matches(byte[] stored, byte[] presented) {
        return stored.length == 40 && clock.millis() < ByteBuffer.wrap(stored).getLong()
                && MessageDigest.isEqual(Arrays.copyOfRange(stored, 8, 40), presented);
    }

    private static byte[] hash(String deviceId, String record, String code) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(deviceId.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(record.getBytes(StandardCharsets.UTF_8)); // a device id and a record hold no NUL
            d.update((byte) 0);
            return d.digest(code.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
