package io.edgeauth.device.internal;

import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/** MQTT 5 over the HiveMQ async client. */
public final class Mqtt5Transport implements MqttTransport {
    private final Mqtt5AsyncClient client;
    private final String username;
    private final boolean enhancedAuth;
    private final int maxPacketSize;

    public Mqtt5Transport(Mqtt5AsyncClient client, String username, boolean enhancedAuth, int maxPacketSize) {
        this.client = client;
        this.username = username;
        this.enhancedAuth = enhancedAuth;
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    public CompletableFuture<Void> connect(byte[] password, int keepAliveSeconds) {
        return client.connectWith()
                .cleanStart(true)
                .keepAlive(keepAliveSeconds)
                // HiveMQ's own limit is MQTT's 256 MiB: a broken or compromised broker could have a device buffer that
                .restrictions().maximumPacketSize(maxPacketSize).applyRestrictions()
                .simpleAuth().username(username).password(password).applySimpleAuth()
                .send()
                .thenApply(connAck -> null);
    }

    @Override
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, String signature) {
        var publish = client.publishWith().topic(topic).qos(qos(qos)).payload(payload);
        if (signature != null) {
            publish.userProperties(Mqtt5UserProperties.of(
                    Mqtt5UserProperty.of(SIGNATURE_PROPERTY, signature)));
        }
        return publish.send().thenApply(result -> {
            if (result.getError().isPresent()) {
                throw new CompletionException(result.getError().get());
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> subscribe(String filter, int qos, BiConsumer<String, byte[]> handler) {
        return client.subscribeWith().topicFilter(filter).qos(qos(qos))
                .callback(p -> handler.accept(p.getTopic().toString(), bytes(p.getPayload().orElse(null))))
                .send()
                .thenApply(subAck -> {
                    for (Mqtt5SubAckReasonCode code : subAck.getReasonCodes()) {
                        if (code.isError()) {
                            throw new CompletionException(new IllegalStateException("subscription to " + filter + " refused: " + code));
                        }
                    }
                    return null;
                });
    }

    @Override
    public boolean canReauthenticate() {
        return enhancedAuth;
    }

    @Override
    public CompletableFuture<Void> reauthenticate() {
        return client.reauth();
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        return client.disconnect();
    }

    @Override
    public boolean isConnected() {
        return client.getState().isConnected();
    }

    static MqttQos qos(int qos) {
        MqttQos q = MqttQos.fromCode(qos);
        if (q == null) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2: " + qos);
        }
        return q;
    }

    static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return new byte[0];
        }
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
