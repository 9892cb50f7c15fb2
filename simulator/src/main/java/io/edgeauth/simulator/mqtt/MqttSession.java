package io.edgeauth.simulator.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One MQTT connection of the lean client: a small state machine on its channel's event loop (CONNECT
 * sent, CONNACK awaited, up to 65,535 QoS 1 publishes in flight, closed). Every method may be called
 * from any thread; the bookkeeping runs on the event loop. Holds no more than its channel, a few
 * futures and an array of in-flight publishes.
 */
public final class MqttSession extends SimpleChannelInboundHandler<MqttMessage> {
    /** Set when the handler joins its channel's pipeline, before any I/O. */
    private volatile Channel channel;
    private final boolean v5;
    private final CompletableFuture<MqttSession> connected = new CompletableFuture<>();
    private final CompletableFuture<MqttRefusedException> closed = new CompletableFuture<>();
    private final java.util.Map<Integer, CompletableFuture<Integer>> inFlight = new java.util.HashMap<>();
    private volatile Consumer<MqttPublishMessage> onMessage;
    private int nextPacketId = 1;
    private CompletableFuture<Integer> pendingAuth;
    /** The Maximum Packet Size of the broker's CONNACK (MQTT 5), or 0 when it set none; written before CONNACK completes. */
    private int maxPacketSize;
    /** MQTT 3.1.1 renewal topic of this broker. */
    public static final String RENEW_TOPIC = "$auth/renew";

    MqttSession(boolean v5) {
        super(MqttMessage.class, true);
        this.v5 = v5;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    /** Completes at CONNACK success; fails with {@link MqttRefusedException} or an I/O error. */
    public CompletableFuture<MqttSession> connected() {
        return connected;
    }

    /**
     * Completes when the connection is gone: with the broker's DISCONNECT reason (MQTT 5) or null when it
     * just closed.
     */
    public CompletableFuture<MqttRefusedException> closed() {
        return closed;
    }

    /** Receives PUBLISH messages (the observer); the message is released after the call. */
    public void onMessage(Consumer<MqttPublishMessage> handler) {
        this.onMessage = handler;
    }

    /**
     * Publishes; completes with the PUBACK reason code (0 = success) for QoS 1, or 0 once written for QoS 0. A packet over
     * the broker's Maximum Packet Size is not sent: it fails with {@link PacketTooLargeException}.
     */
    public CompletableFuture<Integer> publish(String topic, ByteBuf payload, MqttQoS qos) {
        return publish(topic, payload, qos, () -> { });
    }

    /**
     * As {@link #publish(String, ByteBuf, MqttQoS)}; {@code sent} runs (on the event loop) once the packet is handed to
     * the connection, never for one this session refuses itself: not connected, 65,535 in flight, or over the broker's
     * Maximum Packet Size. What a run counts as published is what left the device.
     */
    public CompletableFuture<Integer> publish(String topic, ByteBuf payload, MqttQoS qos, Runnable sent) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                payload.release();
                done.completeExceptionally(new MqttRefusedException(-1, "not_connected"));
                return;
            }
            int size = publishSize(v5, topic, payload.readableBytes(), qos);
            if (maxPacketSize > 0 && size > maxPacketSize) { // sent, it ends the connection with no word of the limit
                payload.release();
                done.completeExceptionally(new PacketTooLargeException(size, maxPacketSize));
                return;
            }
            int id = 0;
            if (qos != MqttQoS.AT_MOST_ONCE) {
                id = allocatePacketId();
                if (id < 0) {
                    payload.release();
                    done.completeExceptionally(new MqttRefusedException(-1, "inflight_full"));
                    return;
                }
                inFlight.put(id, done);
            }
            MqttPublishMessage m = MqttMessageBuilders.publish().topicName(topic).qos(qos).retained(false)
                    .messageId(id).payload(payload).build();
            sent.run();
            if (qos == MqttQoS.AT_MOST_ONCE) {
                channel.writeAndFlush(m).addListener(f -> done.complete(0));
            } else {
                channel.writeAndFlush(m, channel.voidPromise());
            }
        });
        return done;
    }

    /**
     * Presents a fresh token on the live connection: MQTT 5 AUTH (re-authenticate, method
     * {@value LeanMqttClient#AUTH_METHOD}), MQTT 3.1.1 a QoS 1 PUBLISH to {@value #RENEW_TOPIC}. Completes
     * with 0 when the broker accepted it, else the AUTH/PUBACK reason code.
     */
    public CompletableFuture<Integer> renew(byte[] token) {
        if (!v5) {
            return publish(RENEW_TOPIC, io.netty.buffer.Unpooled.wrappedBuffer(token), MqttQoS.AT_LEAST_ONCE);
        }
        CompletableFuture<Integer> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            if (pendingAuth != null || !channel.isActive()) {
                done.completeExceptionally(new MqttRefusedException(-1, pendingAuth != null ? "renewal_in_progress" : "not_connected"));
                return;
            }
            pendingAuth = done;
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, LeanMqttClient.AUTH_METHOD));
            p.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, token));
            channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    new MqttReasonCodeAndPropertiesVariableHeader((byte) 0x19, p)), channel.voidPromise());
        });
        return done;
    }

    /** Subscribes one filter; completes with the granted QoS/reason code (below 0x80 = granted). */
    public CompletableFuture<Integer> subscribe(String filter, MqttQoS qos) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            int id = allocatePacketId();
            inFlight.put(id, done);
            channel.writeAndFlush(MqttMessageBuilders.subscribe().messageId(id).addSubscription(qos, filter).build(),
                    channel.voidPromise());
        });
        return done;
    }

    /** Sends DISCONNECT and closes; completes when closed. */
    public CompletableFuture<Void> disconnect() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.closeFuture().addListener(f -> done.complete(null));
        if (channel.isActive()) {
            MqttMessage m = v5 ? MqttMessageBuilders.disconnect().build()
                    : new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0));
            channel.writeAndFlush(m).addListener(f -> channel.close());
        } else {
            channel.close();
        }
        return done;
    }

    /** Closes the socket without DISCONNECT. */
    public void abort() {
        channel.close();
    }

    public boolean isActive() {
        return channel.isActive();
    }

    /** The bytes of a PUBLISH as Netty's encoder writes it: fixed header, topic, packet id, (MQTT 5) no properties, payload. */
    static int publishSize(boolean v5, String topic, int payloadBytes, MqttQoS qos) {
        int remaining = 2 + topic.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + (qos == MqttQoS.AT_MOST_ONCE ? 0 : 2) + (v5 ? 1 : 0) + payloadBytes;
        int lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
        return 1 + lengthBytes + remaining;
    }

    private int allocatePacketId() {
        for (int tries = 0; tries < 65535; tries++) {
            int id = nextPacketId;
            nextPacketId = id == 65535 ? 1 : id + 1;
            if (!inFlight.containsKey(id)) {
                return id;
            }
        }
        return -1;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
        if (msg.decoderResult().isFailure()) {
            ctx.close();
            return;
        }
        switch (msg.fixedHeader().messageType()) {
            case CONNACK -> connack((MqttConnAckMessage) msg);
            case PUBACK -> {
                Object vh = msg.variableHeader();
                int reason = vh instanceof MqttPubReplyMessageVariableHeader r ? r.reasonCode() & 0xff : 0;
                CompletableFuture<Integer> f = inFlight.remove(((MqttMessageIdVariableHeader) vh).messageId());
                if (f != null) {
                    f.complete(reason);
                }
            }
            case SUBACK -> {
                MqttSubAckMessage s = (MqttSubAckMessage) msg;
                CompletableFuture<Integer> f = inFlight.remove(s.variableHeader().messageId());
                if (f != null) {
                    f.complete(s.payload().reasonCodes().isEmpty() ? 0x80 : s.payload().reasonCodes().get(0));
                }
            }
            case PUBLISH -> {
                MqttPublishMessage p = (MqttPublishMessage) msg;
                Consumer<MqttPublishMessage> h = onMessage;
                if (h != null) {
                    h.accept(p);
                }
                if (p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                    ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build(), ctx.voidPromise());
                }
            }
            case AUTH -> {
                CompletableFuture<Integer> f = pendingAuth;
                pendingAuth = null;
                if (f != null) {
                    Object vh = msg.variableHeader();
                    f.complete(vh instanceof MqttReasonCodeAndPropertiesVariableHeader r ? r.reasonCode() & 0xff : 0);
                }
            }
            case DISCONNECT -> {
                Object vh = msg.variableHeader();
                if (vh instanceof MqttReasonCodeAndPropertiesVariableHeader r) {
                    closed.complete(new MqttRefusedException(r.reasonCode() & 0xff, reasonString(r.properties())));
                }
                ctx.close();
            }
            default -> {
                // PINGRESP and the rest need no action
            }
        }
    }

    private void connack(MqttConnAckMessage m) {
        MqttConnectReturnCode code = m.variableHeader().connectReturnCode();
        if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            MqttProperties p = m.variableHeader().properties();
            MqttProperties.MqttProperty<?> max = p == null ? null
                    : p.getProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value());
            maxPacketSize = max != null && max.value() instanceof Integer i && i > 0 ? i : 0;
            connected.complete(this);
        } else {
            connected.completeExceptionally(new MqttRefusedException(code.byteValue() & 0xff,
                    reasonString(m.variableHeader().properties())));
            channel.close();
        }
    }

    private static String reasonString(MqttProperties properties) {
        if (properties == null) {
            return null;
        }
        MqttProperties.MqttProperty<?> p = properties.getProperty(MqttProperties.MqttPropertyType.REASON_STRING.value());
        return p == null ? null : String.valueOf(p.value());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0)),
                    ctx.voidPromise());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        MqttRefusedException gone = new MqttRefusedException(-1, "connection_closed");
        connected.completeExceptionally(gone);
        for (CompletableFuture<Integer> f : inFlight.values()) {
            f.completeExceptionally(gone);
        }
        inFlight.clear();
        if (pendingAuth != null) {
            pendingAuth.completeExceptionally(gone);
            pendingAuth = null;
        }
        closed.complete(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connected.completeExceptionally(cause);
        ctx.close();
    }
}
