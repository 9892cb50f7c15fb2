package io.edgeauth.device.internal;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/** The version-specific part of the device MQTT client (MQTT 5 or 3.1.1 over the HiveMQ client). */
public interface MqttTransport {
    /** The MQTT 5 user property that carries a payload signature (the public name is TelemetrySignatures's). */
    String SIGNATURE_PROPERTY = "edgeauth-sig";

    /** Connects with username = device id and the given password. */
    CompletableFuture<Void> connect(byte[] password, int keepAliveSeconds);

    /**
     * Publishes; fails if the broker refuses (MQTT 5 PUBACK reason code >= 0x80). {@code signature}: the
     * payload signature to send beside it (MQTT 5 user property), or null.
     */
    CompletableFuture<Void> publish(String topic, byte[] payload, int qos, String signature);

    /** Subscribes {@code filter}; the handler gets (topic, payload). Fails if the SUBACK refuses it. */
    CompletableFuture<Void> subscribe(String filter, int qos, BiConsumer<String, byte[]> handler);

    /** True if this transport can re-authenticate in place (MQTT 5 enhanced authentication). */
    boolean canReauthenticate();

    /** Sends an AUTH packet (reason 0x19) with the current token; only if {@link #canReauthenticate()}. */
    CompletableFuture<Void> reauthenticate();

    CompletableFuture<Void> disconnect();

    boolean isConnected();
}
