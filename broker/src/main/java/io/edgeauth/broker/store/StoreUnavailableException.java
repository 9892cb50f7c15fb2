package io.edgeauth.broker.store;

/**
 * The store could not serve a call (a remote store unreachable or too slow, the embedded store's disk full
 * or unwritable). Callers fail the request closed: nothing is assumed stored or absent; the edges answer
 * "unavailable, retry" (HTTP 503 with Retry-After, MQTT CONNACK 0x88, CoAP 5.03).
 */
public final class StoreUnavailableException extends RuntimeException {
    private final boolean outcomeUnknown;

    public StoreUnavailableException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * @param outcomeUnknown the command may have reached the store and be applied later (a timeout: a stalled Redis
     *                       runs what it received when it resumes), not refused before it was sent
     */
    public StoreUnavailableException(String message, Throwable cause, boolean outcomeUnknown) {
        super(message, cause);
        this.outcomeUnknown = outcomeUnknown;
    }

    /** True when {@code failure} is a store outage after which the refused write may still take effect. */
    public static boolean outcomeUnknown(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StoreUnavailableException s && s.outcomeUnknown) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code failure} or one of its causes is a store outage. */
    public static boolean isCauseOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StoreUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
