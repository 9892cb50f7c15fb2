package io.edgeauth.broker.keys;

import java.util.List;

/**
 * Finds the key a token must be verified with from its (unverified) issuer and {@code kid}. The
 * {@code kid} is only ever a map key (never a path, URL or anything to fetch); keys named by the token
 * itself ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}) are never used. Implementations are
 * thread-safe and never do I/O.
 */
public interface KeyResolver {
    KeyResolution resolve(String issuer, String kid);

    /**
     * Asks each resolver in turn; the first that knows the issuer answers (found or
     * {@code UNKNOWN_KEY}). {@code UNKNOWN_ISSUER} only if none knows it.
     */
    static KeyResolver chain(KeyResolver... resolvers) {
        List<KeyResolver> list = List.of(resolvers);
        return (issuer, kid) -> {
            for (KeyResolver r : list) {
                KeyResolution res = r.resolve(issuer, kid);
                if (res.isFound() || res.miss() != io.edgeauth.broker.refusal.RejectionReason.UNKNOWN_ISSUER) {
                    return res;
                }
            }
            return KeyResolution.unknownIssuer();
        };
    }
}
