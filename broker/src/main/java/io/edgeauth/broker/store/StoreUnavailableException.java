package io.edgeauth.broker.store;

/**
 * The store could not serve a call (a remote store unreachable or too slow). Callers fail the request
 * closed: nothing is assumed stored or absent.
 */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
