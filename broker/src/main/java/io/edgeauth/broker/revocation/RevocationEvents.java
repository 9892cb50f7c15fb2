package io.edgeauth.broker.revocation;

import java.util.function.Consumer;

/**
 * Tells live sessions about new revocations so the protocol edges can drop matching sessions at
 * once (each edge re-checks its sessions with {@link RevocationChecker}). Listeners are called on an
 * arbitrary thread and must not block.
 */
public interface RevocationEvents {
    /** Registers a listener; closing the handle unregisters it. */
    AutoCloseable subscribe(Consumer<Revocation> listener);
}
