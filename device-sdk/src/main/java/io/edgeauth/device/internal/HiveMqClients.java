package io.edgeauth.device.internal;

import com.hivemq.client.mqtt.MqttClientBuilderBase;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.lifecycle.Mqtt3ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds the HiveMQ client behind a {@code DeviceMqttClient} (MQTT 5 or 3.1.1): TLS, executor, connection
 * listeners, enhanced authentication with the token, and automatic reconnects that present the then-current
 * token. Not part of the API.
 */
public final class HiveMqClients {
    /** The Maximum Packet Size an MQTT 5 device announces unless set: 16 times the broker's default. */
    public static final int DEFAULT_MAX_PACKET_SIZE = 1024 * 1024;

    private HiveMqClients() {
    }

    /**
     * How to build the client. Callbacks run on HiveMQ's threads.
     *
     * @param authMethod     the MQTT 5 enhanced authentication method, or null for none (3.1.1: ignored)
     * @param maxPacketSize  the MQTT 5 Maximum Packet Size the client announces and enforces (3.1.1: ignored)
     * @param authData       the raw token for enhanced authentication
     * @param reconnect      the password of the next automatic reconnect, given why the connection ended (the
     *                       current token; null: the last one again): a future not yet complete holds the reconnect
     *                       back until it is (a new token after a refusal), a failed one stops reconnecting; null for
     *                       no automatic reconnects
     * @param stopped        whether the device client was disconnected by its user: no reconnect then
     * @param connected      the connection is up; null for no listener
     * @param disconnected   the connection went down: (by the device client itself, else the cause); or null
     */
    public record Options(String deviceId, String host, int port, boolean mqtt5, MqttClientSslConfig ssl,
                          MqttClientExecutorConfig executor, String authMethod, int maxPacketSize,
                          Supplier<byte[]> authData,
                          int keepAliveSeconds, Function<Throwable, CompletableFuture<byte[]>> reconnect,
                          BooleanSupplier stopped,
                          Runnable connected, BiConsumer<Boolean, Throwable> disconnected) { }

    /** The transport over a new HiveMQ async client. */
    public static MqttTransport build(Options o) {
        if (o.mqtt5()) {
            Mqtt5ClientBuilder cb = common(Mqtt5Client.builder(), o);
            boolean enhanced = o.authMethod() != null;
            if (enhanced) {
                cb.enhancedAuth(new TokenAuthMechanism(o.authMethod(), o.authData(), o.deviceId()));
            }
            return new Mqtt5Transport(cb.buildAsync(), o.deviceId(), enhanced, o.maxPacketSize());
        }
        return new Mqtt3Transport(common(Mqtt3Client.builder(), o).buildAsync(), o.deviceId());
    }

    /** {@code bytes} if it is a possible MQTT 5 Maximum Packet Size (64 to 268435455), else IllegalArgumentException. */
    public static int checkMaxPacketSize(int bytes) {
        if (bytes < 64 || bytes > 268_435_455) {
            throw new IllegalArgumentException("maxPacketSize must be 64..268435455: " + bytes);
        }
        return bytes;
    }

    /** What both versions share: server, TLS, executor, listeners, automatic reconnects. */
    private static <B extends MqttClientBuilderBase<B>> B common(B cb, Options o) {
        cb.identifier(o.deviceId()).serverHost(o.host()).serverPort(o.port());
        if (o.ssl() != null) {
            cb.sslConfig(o.ssl());
        }
        if (o.executor() != null) {
            cb.executorConfig(o.executor());
        }
        if (o.connected() != null) {
            cb.addConnectedListener(ctx -> o.connected().run());
        }
        if (o.disconnected() != null) {
            cb.addDisconnectedListener(ctx -> o.disconnected().accept(
                    ctx.getSource() == MqttDisconnectSource.USER, ctx.getCause()));
        }
        if (o.reconnect() != null) {
            cb.automaticReconnect().initialDelay(1, TimeUnit.SECONDS).maxDelay(60, TimeUnit.SECONDS)
                    .applyAutomaticReconnect();
            cb.addDisconnectedListener(ctx -> refreshCredentials(ctx, o));
        }
        return cb;
    }

    /**
     * Before an automatic reconnect: the then-current token as the password, or no reconnect once stopped. When the
     * password is not there yet (a refused token being replaced), HiveMQ's {@code reconnectWhen} holds the reconnect
     * back until it is, on top of its own backoff delay; its callback runs on the client's event loop, where the
     * reconnector may still be changed.
     */
    private static void refreshCredentials(MqttClientDisconnectedContext ctx, Options o) {
        if (o.stopped().getAsBoolean()) {
            ctx.getReconnector().reconnect(false);
            return;
        }
        CompletableFuture<byte[]> pw = o.reconnect().apply(ctx.getCause());
        if (pw.isDone() && !pw.isCompletedExceptionally()) {
            connectWith(ctx, pw.join(), o);
            return;
        }
        ctx.getReconnector().reconnectWhen(pw, (password, error) -> {
            if (error != null || o.stopped().getAsBoolean()) {
                ctx.getReconnector().reconnect(false);
            } else {
                connectWith(ctx, password, o);
            }
        });
    }

    private static void connectWith(MqttClientDisconnectedContext ctx, byte[] pw, Options o) {
        if (pw == null) {
            return;
        }
        if (ctx instanceof Mqtt5ClientDisconnectedContext) {
            ((Mqtt5ClientDisconnectedContext) ctx).getReconnector().connectWith()
                    .cleanStart(true).keepAlive(o.keepAliveSeconds())
                    .restrictions().maximumPacketSize(o.maxPacketSize()).applyRestrictions()
                    .simpleAuth().username(o.deviceId()).password(pw).applySimpleAuth()
                    .applyConnect();
        } else if (ctx instanceof Mqtt3ClientDisconnectedContext) {
            ((Mqtt3ClientDisconnectedContext) ctx).getReconnector().connectWith()
                    .cleanSession(true).keepAlive(o.keepAliveSeconds())
                    .simpleAuth().username(o.deviceId()).password(pw).applySimpleAuth()
                    .applyConnect();
        }
    }
}
