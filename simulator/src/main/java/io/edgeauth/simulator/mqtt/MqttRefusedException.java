package io.edgeauth.simulator.mqtt;

/**
 * The broker refused a CONNECT (or dropped a connection): the CONNACK/DISCONNECT code and, on MQTT 5,
 * the broker's reason string (this broker puts its typed rejection reason there, e.g. {@code expired}).
 */
public final class MqttRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final String reasonString;

    public MqttRefusedException(int code, String reasonString) {
        super("refused 0x" + Integer.toHexString(code) + (reasonString == null ? "" : " " + reasonString), null, false, false);
        this.code = code;
        this.reasonString = reasonString;
    }

    /** CONNACK return code (3.1.1) or reason code (5). */
    public int code() {
        return code;
    }

    /** MQTT 5 reason string, or null. */
    public String reasonString() {
        return reasonString;
    }
}
