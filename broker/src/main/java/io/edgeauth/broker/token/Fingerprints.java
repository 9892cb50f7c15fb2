package io.edgeauth.broker.token;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * SHA-256 of token bytes: the cache key of verified tokens and the short fingerprint that stands in
 * for a token in logs and audit events (the token itself is never logged). Thread-safe.
 */
public final class Fingerprints {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    });

    private Fingerprints() {
    }

    /** SHA-256 of {@code data}. */
    public static byte[] sha256(byte[] data) {
        MessageDigest md = SHA256.get();
        md.reset();
        return md.digest(data);
    }

    /** First 12 characters of base64url(SHA-256(token)): 72 bits, enough to correlate, useless to replay. */
    public static String of(byte[] token) {
        return fromDigest(sha256(token));
    }

    static String fromDigest(byte[] digest) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 12);
    }
}
