package io.edgeauth.device.internal;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT 5 enhanced authentication whose data is the access token: in CONNECT, and in the AUTH packet
 * (reason 0x19) the client sends to re-authenticate with a fresh token. Single step: the broker
 * answers CONNACK / AUTH success or refuses. Thread-safe (the token comes from a supplier).
 */
public final class TokenAuthMechanism implements Mqtt5EnhancedAuthMechanism {
    private static final Logger LOG = LoggerFactory.getLogger(TokenAuthMechanism.class);
    private static final int TIMEOUT_SECONDS = 30;

    private final MqttUtf8String method;
    private final Supplier<byte[]> token;
    private final String deviceId;

    public TokenAuthMechanism(String method, Supplier<byte[]> token, String deviceId) {
        this.method = MqttUtf8String.of(method);
        this.token = token;
        this.deviceId = deviceId;
    }

    @Override
    public MqttUtf8String getMethod() {
        return method;
    }

    @Override
    public int getTimeout() {
        return TIMEOUT_SECONDS;
    }

    @Override
    public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
        auth.data(token.get());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder auth) {
        auth.data(token.get());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> onServerReAuth(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder authBuilder) {
        authBuilder.data(token.get());
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder authBuilder) {
        LOG.debug("device {}: broker asked to continue authentication, which {} does not do", deviceId, method);
        return CompletableFuture.completedFuture(false);
    }

    @Override
    public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
        LOG.debug("device {}: re-authenticated", deviceId);
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
        LOG.debug("device {}: authentication rejected: {}", deviceId, connAck.getReasonCode());
    }

    @Override
    public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
        LOG.info("device {}: re-authentication rejected: {}", deviceId, disconnect.getReasonCode());
    }

    @Override
    public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
        LOG.debug("device {}: authentication error: {}", deviceId, cause.toString());
    }

    @Override
    public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
        LOG.info("device {}: re-authentication error: {}", deviceId, cause.toString());
    }
}
