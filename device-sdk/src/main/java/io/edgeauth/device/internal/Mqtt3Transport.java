package io.edgeauth.device.internal;

import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/** MQTT 3.1.1 over the HiveMQ async client; no re-authentication in place (reconnect instead). */
public final class Mqtt3Transport implements MqttTransport {
    private final Mqtt3AsyncClient client;
    private final String username;

    public Mqtt3Transport(Mqtt3AsyncClient client, String username) {
        this.client = client;
        this.username = username;
    }

    @Override
    public CompletableFuture<Void> connect(byte[] password, int keepAliveSeconds) {
        return client.connectWith()
                .cleanSession(true)
                .keepAlive(keepAliveSeconds)
                .simpleAuth().username(username).password(password).applySimpleAuth()
                .send()
                .thenApply(connAck -> null);
    }

    @Override
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, String signature) {
        if (signature != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("MQTT 3.1.1 cannot carry a payload signature"));
        }
        return client.publishWith().topic(topic).qos(Mqtt5Transport.qos(qos)).payload(payload).send().thenApply(p -> null);
    }

    @Override
    public CompletableFuture<Void> subscribe(String filter, int qos, BiConsumer<String, byte[]> handler) {
        return client.subscribeWith().topicFilter(filter).qos(Mqtt5Transport.qos(qos))
                .callback(p -> handler.accept(p.getTopic().toString(), Mqtt5Transport.bytes(p.getPayload().orElse(null))))
                .send()
                .thenApply(subAck -> {
                    for (Mqtt3SubAckReturnCode code : subAck.getReturnCodes()) {
                        if (code.isError()) {
                            throw new CompletionException(new IllegalStateException("subscription to " + filter + " refused"));
                        }
                    }
                    return null;
                });
    }

    @Override
    public boolean canReauthenticate() {
        return false;
    }

    @Override
    public CompletableFuture<Void> reauthenticate() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("MQTT 3.1.1 has no re-authentication"));
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        return client.disconnect();
    }

    @Override
    public boolean isConnected() {
        return client.getState().isConnected();
    }
}
