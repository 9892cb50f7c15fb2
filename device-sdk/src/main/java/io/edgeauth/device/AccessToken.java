package io.edgeauth.device;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An access token as the token endpoint returned it, with when it was received and when it expires.
 *
 * <p>{@link #toString()} and the SDK's logs show only {@link #fingerprint()}, never the token.
 * Immutable and thread-safe.
 */
public final class AccessToken {
    private final String value;
    private final TokenFormat format;
    private final String tokenType;
    private final String scope;
    private final Instant issuedAt;
    private final Instant expiresAt;
    private final byte[] bytes;
    private final String fingerprint;

    /**
     * @param value     {@code access_token} as received: JWT compact form, or base64url CWT
     * @param format    which of the two
     * @param tokenType {@code token_type}, e.g. Bearer
     * @param scope     {@code scope} or null
     * @param issuedAt  when the client received it
     * @param expiresAt issuedAt + {@code expires_in}
     * @throws IllegalArgumentException if a CWT is not valid base64url or expiry is not after issue
     */
    public AccessToken(String value, TokenFormat format, String tokenType, String scope, Instant issuedAt, Instant expiresAt) {
        this.value = Objects.requireNonNull(value, "value");
        this.format = Objects.requireNonNull(format, "format");
        this.tokenType = tokenType;
        this.scope = scope;
        this.issuedAt = Objects.requireNonNull(issuedAt, "issuedAt");
        this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
        if (!expiresAt.isAfter(issuedAt)) {
            throw new IllegalArgumentException("token expires before it was issued");
        }
        this.bytes = format.cbor()
                ? Base64.getUrlDecoder().decode(stripPadding(value))
                : value.getBytes(StandardCharsets.US_ASCII);
        this.fingerprint = fingerprintOf(bytes);
    }

    /** The token exactly as received (JWT compact form or base64url CWT): ASCII, fit for an MQTT password. */
    public String value() {
        return value;
    }

    /** The token bytes to present: the JWT's ASCII, or the raw CWT (what CoAP /authz-info takes). */
    public byte[] bytes() {
        return bytes.clone();
    }

    public TokenFormat format() {
        return format;
    }

    /** {@code token_type}, e.g. {@code Bearer}. */
    public String tokenType() {
        return tokenType;
    }

    /** {@code scope}, or null when the response had none. */
    public String scope() {
        return scope;
    }

    public Instant issuedAt() {
        return issuedAt;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    /** expiresAt - issuedAt. */
    public Duration lifetime() {
        return Duration.between(issuedAt, expiresAt);
    }

    /** True if the token has not expired at {@code now}. */
    public boolean isValidAt(Instant now) {
        return now.isBefore(expiresAt);
    }

    /** First 8 bytes of SHA-256 of the token bytes, hex: safe to log, enough to tell tokens apart. */
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String toString() {
        return "AccessToken{" + format + ", fp=" + fingerprint + ", expiresAt=" + expiresAt + "}";
    }

    /** Same fingerprint function for any byte string (used when only raw bytes are at hand). */
    public static String fingerprintOf(byte[] token) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(token);
            return HexFormat.of().formatHex(Arrays.copyOf(h, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stripPadding(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        return s.substring(0, end);
    }
}
