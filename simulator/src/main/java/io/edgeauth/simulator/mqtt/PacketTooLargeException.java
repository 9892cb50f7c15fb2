package io.edgeauth.simulator.mqtt;

import java.util.Locale;

/**
 * A PUBLISH was not sent: it is larger than the Maximum Packet Size the broker announced in its CONNACK (MQTT 5). Sent,
 * the broker would only have closed the connection (MQTT 5 §3.1.2.24: DISCONNECT 0x95), which names no limit.
 */
public final class PacketTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int size;
    private final int limit;

    public PacketTooLargeException(int size, int limit) {
        super(String.format(Locale.ROOT, "a PUBLISH of %,d bytes is over the broker's Maximum Packet Size of %,d bytes (its"
                + " CONNACK; the broker's mqtt.maxPacketSize): not sent", size, limit), null, false, false);
        this.size = size;
        this.limit = limit;
    }

    /** The whole packet's size in bytes. */
    public int size() {
        return size;
    }

    /** The broker's Maximum Packet Size. */
    public int limit() {
        return limit;
    }
}
