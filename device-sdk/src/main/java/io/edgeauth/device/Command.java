package io.edgeauth.device;

import java.util.Objects;

/**
 * A command received on {@code d/{id}/down/#} (MQTT) or {@code /d/{id}/down} (CoAP Observe).
 * Immutable apart from the payload array, which is a copy owned by the receiver.
 */
public final class Command {
    private final String topic;
    private final String path;
    private final byte[] payload;

    public Command(String topic, String path, byte[] payload) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.path = Objects.requireNonNull(path, "path");
        this.payload = Objects.requireNonNull(payload, "payload");
    }

    /** The full topic or resource path, e.g. {@code d/pump-1/down/valve}. */
    public String topic() {
        return topic;
    }

    /** The part after {@code down/}, e.g. {@code valve}; empty for {@code d/{id}/down} itself. */
    public String path() {
        return path;
    }

    public byte[] payload() {
        return payload;
    }

    @Override
    public String toString() {
        return "Command{" + topic + ", " + payload.length + " bytes}";
    }
}
