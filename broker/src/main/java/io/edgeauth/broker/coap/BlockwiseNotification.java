package io.edgeauth.broker.coap;

/**
 * A notification that may go out in blocks (RFC 7959 §3.4: its first block as the notification, the rest fetched by
 * the device with GETs): told by {@link BlockwiseAdmissionLayer}, which sees every block leave, when it did. Only
 * then may the next command go out: Californium keeps one Block2 transfer per peer and resource, which a newer
 * notification replaces, so the device would fetch the rest of the first command from the second (tour R, R12).
 * Californium's {@code onTransferComplete} does not tell a sent last block from a transfer replaced midway; the
 * layer does. Implemented by the notification's message observer, which Californium copies onto each block.
 */
interface BlockwiseNotification {
    /** The notification's first block went out and more follow: the device fetches them. */
    void firstOfSeveralBlocksSent();

    /** The last block went out to the device. */
    void lastBlockSent();
}
