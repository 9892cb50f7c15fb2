package io.edgeauth.broker.registry;

/**
 * A conditional registry write found the stored record no longer the one its caller read (another request, on this
 * node or another, created, replaced or deleted it meanwhile): nothing was written. The caller answers 409 or reads
 * again; it never reports a write that did not happen.
 */
public final class RecordChangedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RecordChangedException(String deviceId) {
        super("device '" + deviceId + "' changed meanwhile");
    }
}
