package io.edgeauth.broker.crypto;

import java.security.GeneralSecurityException;

/**
 * The signing key's device (a PKCS#11 token) cannot sign now: its session or key handles went stale and the broker
 * is re-opening it with back-off. Callers answer "unavailable, retry" (HTTP 503 with Retry-After), as for a store
 * outage, not an internal error: nothing is wrong with the request, and the node may recover by itself.
 */
public final class SignerUnavailableException extends GeneralSecurityException {
    public SignerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when {@code failure} or one of its causes is this exception. */
    public static boolean isCauseOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SignerUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
