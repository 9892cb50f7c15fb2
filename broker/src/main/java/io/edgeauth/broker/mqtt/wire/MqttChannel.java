package io.edgeauth.broker.mqtt.wire;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT connection on the wire: the last handler of its Netty pipeline (after Netty's {@code MqttDecoder}
 * and {@code MqttEncoder}). Reads the CONNECT (within the connect timeout, else closes), hands itself to the
 * edge, then dispatches the decoded packets to its {@link PacketHandler} and offers the packets the edge sends.
 * Answers PINGREQ, PUBREL and PUBREC itself and enforces the keep-alive (1.5 x, MQTT §3.1.2.10, paused with reading).
 * Packets sent after the CONNECT and before the CONNACK (allowed, MQTT §3.1.4) are held until it is accepted.
 *
 * <p>Writes are not flushed one by one: a read batch is flushed once at its end, and writes made outside a
 * read once after the current event-loop task, so a burst of deliveries leaves in one gathering write.
 * Every method must be called on the channel's event loop ({@link #eventLoop()}), except {@link #send} paths
 * used by deliveries, which hop onto it. Malformed input ends the connection (MQTT 5: DISCONNECT or CONNACK
 * 0x81, 0x82 or 0x95 first, {@link WireViolation}), logged at DEBUG without the client's bytes.
 */
public final class MqttChannel extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(MqttChannel.class);
    static final String NAME = "edgeauthMqtt";
    /** Packets a client may send right after its CONNECT (MQTT 3.1.1 §3.1.4) that are held until CONNACK. */
    private static final int MAX_HELD = 64;

    private final Consumer<MqttChannel> onConnect;
    private final long connectTimeoutMillis;
    private final ConnectRefusals refusals;
    private final Consumer<Throwable> internalErrors;
    private final Function<EventExecutor, LoopSweep> sweeps;
    MqttChannel sweepPrev; // links in this event loop's LoopSweep
    MqttChannel sweepNext;
    private long lastReadNanos;
    private long idleTimeoutNanos; // 1.5 x the keep-alive; 0: none
    /** Decoded packets not handled yet: before CONNACK, while reading is paused, and behind those (order kept). */
    private ArrayDeque<MqttMessage> held;
    private boolean paused;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> connectTimeout;
    private PacketHandler handler;
    private boolean connectSeen;
    private boolean accepted;
    private boolean reading;
    private boolean needsFlush;
    private boolean flushPending;
    private final Runnable flushTask = this::flushIfNeeded;
    // what the CONNECT said
    private String clientIdentifier;
    private int protocolVersion;
    private boolean cleanSession;
    private MqttProperties connectProperties = MqttProperties.NO_PROPERTIES;
    private String username;
    private byte[] password;
    private Will will;

    MqttChannel(Consumer<MqttChannel> onConnect, long connectTimeoutMillis, ConnectRefusals refusals,
                Consumer<Throwable> internalErrors, Function<EventExecutor, LoopSweep> sweeps) {
        this.onConnect = onConnect;
        this.sweeps = sweeps;
        this.internalErrors = internalErrors;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.refusals = refusals;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connectTimeout = ctx.executor().schedule(() -> {
            if (!connectSeen) {
                ctx.close();
            }
        }, HandshakeAdmission.remainingMillis(ctx.channel(), connectTimeoutMillis), TimeUnit.MILLISECONDS);
        lastReadNanos = System.nanoTime();
        sweeps.apply(ctx.executor()).add(this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        try {
            if (msg instanceof MqttMessage m) {
                read(m);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        lastReadNanos = System.nanoTime();
        flushIfNeeded();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && handler != null) {
            handler.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** The once-a-second visit ({@link LoopSweep}): the keep-alive (no bytes for 1.5 x), then the edge's deadlines. */
    void sweep(long nowNanos) {
        try {
            if (idleTimeoutNanos > 0 && !paused && nowNanos - lastReadNanos > idleTimeoutNanos) { // not paused: K8
                ctx.close();
            } else if (handler != null) {
                handler.onTick();
            }
        } catch (RuntimeException e) {
            internalErrors.accept(e);
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        sweeps.apply(ctx.executor()).remove(this);
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        releaseHeld();
        if (handler != null) {
            handler.onClose();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (peerFault(cause)) {
            // TLS handshake failures, resets, a hostile peer's bytes: nothing to report above DEBUG, no stack trace
            LOG.debug("mqtt connection {}: {}", ctx.channel().remoteAddress(), cause.getClass().getSimpleName());
        } else {
            internalErrors.accept(cause); // a handler of ours threw: a bug, reported (and seen by the fuzz targets)
        }
        ctx.close();
    }

    /** What a peer can cause without a bug of ours: I/O and TLS failures, bytes the codecs refused. */
    static boolean peerFault(Throwable cause) {
        return cause instanceof java.io.IOException || cause instanceof io.netty.handler.codec.DecoderException;
    }

    private void read(MqttMessage m) {
        DecoderResult result = m.decoderResult();
        if (result.isFailure()) {
            malformed(result.cause());
            return;
        }
        MqttMessageType type = m.fixedHeader().messageType();
        if (type == MqttMessageType.CONNECT) {
            if (connectSeen) {
                ctx.close(); // a second CONNECT is a protocol violation (MQTT §3.1)
            } else {
                connect((MqttConnectMessage) m);
            }
            return;
        }
        if (!connectSeen) {
            ctx.close(); // the first packet must be CONNECT (MQTT §3.1)
            return;
        }
        if (!accepted || paused || held != null) {
            hold(m); // the packets the decoder still had when reading stopped wait, in order
            return;
        }
        dispatch(m);
    }

    /** A well-formed packet of an accepted connection, other than CONNECT. */
    private void dispatch(MqttMessage m) {
        switch (m.fixedHeader().messageType()) {
            case PUBLISH -> {
                MqttPublishMessage p = (MqttPublishMessage) m;
                handler.onPublish(new Publish(p.variableHeader().packetId(), p.fixedHeader().qosLevel(),
                        p.fixedHeader().isDup(), p.fixedHeader().isRetain(), p.variableHeader().topicName(),
                        ByteBufUtil.getBytes(p.payload()), p.variableHeader().properties()));
            }
            case SUBSCRIBE -> {
                var s = (MqttSubscribeMessage) m;
                handler.onSubscribe(s.variableHeader().messageId(), s.idAndPropertiesVariableHeader().properties(),
                        s.payload().topicSubscriptions());
            }
            case UNSUBSCRIBE -> {
                MqttUnsubscribeMessage u = (MqttUnsubscribeMessage) m;
                handler.onUnsubscribe(u.variableHeader().messageId(), u.payload().topics());
            }
            case PUBACK -> handler.onPuback(messageId(m));
            case PUBREC -> write(Packets.pubReply(MqttMessageType.PUBREL, messageId(m), (byte) 0,
                    MqttProperties.NO_PROPERTIES)); // a client answering QoS 2 (we send QoS <= 1)
            case PUBREL -> write(Packets.pubReply(MqttMessageType.PUBCOMP, messageId(m), handler.onPubrel(messageId(m)),
                    MqttProperties.NO_PROPERTIES)); // QoS 2 from the client: routed once, at PUBLISH; now released
            case PUBCOMP -> { }
            case PINGREQ -> write(MqttMessage.PINGRESP);
            case AUTH -> {
                MqttReasonCodeAndPropertiesVariableHeader h = (MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader();
                handler.onAuth(h.reasonCode(), h.properties());
            }
            case DISCONNECT -> { // the server closes after a DISCONNECT (MQTT §3.14.4), answering a protocol error 0x82
                var h = m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader v ? v : null;
                boolean valid = handler.onDisconnect(h == null ? 0 : h.reasonCode(), h == null ? null : h.properties());
                if (valid) { ctx.close(); } else { disconnectAndClose(WireViolation.PROTOCOL_ERROR); }
            }
            default -> disconnectAndClose(WireViolation.PROTOCOL_ERROR); // CONNACK, SUBACK ...: PacketFrames refuses them
        }
    }

    private static int messageId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    private void malformed(Throwable cause) {
        LOG.debug("malformed MQTT packet from {}: {}", ctx.channel().remoteAddress(), cause.getClass().getSimpleName());
        if (!connectSeen && cause instanceof MqttUnacceptableProtocolVersionException) {
            reject(refusals.unacceptableProtocolVersion(), MqttProperties.NO_PROPERTIES);
        } else if (!connectSeen && cause instanceof MqttIdentifierRejectedException) {
            reject(refusals.badClientId(protocolVersion), MqttProperties.NO_PROPERTIES);
        } else if (!connectSeen && cause instanceof WireViolation v && v.protocolVersion() >= 5) {
            ctx.writeAndFlush(Packets.refusingConnack5(refusals.invalidConnect(v.protocolError())))
                    .addListener(ChannelFutureListener.CLOSE); // CONNACK 0x81 or 0x82
        } else if (accepted && protocolVersion >= 5) {
            disconnectAndClose(WireViolation.disconnectCode(cause));
        } else {
            ctx.close();
        }
    }

    private void connect(MqttConnectMessage m) {
        connectSeen = true;
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
            connectTimeout = null;
        }
        var header = m.variableHeader();
        var payload = m.payload();
        protocolVersion = header.version();
        clientIdentifier = payload.clientIdentifier();
        cleanSession = header.isCleanSession();
        connectProperties = header.properties() == null ? MqttProperties.NO_PROPERTIES : header.properties();
        username = header.hasUserName() ? payload.userName() : null;
        password = header.hasPassword() ? payload.passwordInBytes() : null;
        if (header.isWillFlag()) {
            will = new Will(payload.willTopic(), payload.willMessageInBytes(), header.willQos(), header.isWillRetain(),
                    payload.willProperties());
        }
        boolean emptyId = clientIdentifier == null || clientIdentifier.isEmpty();
        if (emptyId && !cleanSession && protocolVersion < 5) {
            // 3.1.1 §3.1.3.1; MQTT 5 only asks for an assigned id (a device's or service's own: it resumes its session)
            reject(refusals.badClientId(protocolVersion), MqttProperties.NO_PROPERTIES);
            return;
        }
        int keepAlive = header.keepAliveTimeSeconds();
        idleTimeoutNanos = keepAlive * 1_500_000_000L; // 0: no keep-alive
        pauseReading(true); // until CONNACK: what the client sends meanwhile waits in the socket
        onConnect.accept(this);
    }

    /** The CONNECT's client id (may be empty). */
    public String clientIdentifier() {
        return clientIdentifier;
    }

    /** 3 (MQTT 3.1), 4 (MQTT 3.1.1) or 5. */
    public int protocolVersion() {
        return protocolVersion;
    }

    public boolean isCleanSession() {
        return cleanSession;
    }

    /** The CONNECT's properties (MQTT 5; empty otherwise). */
    public MqttProperties connectProperties() {
        return connectProperties;
    }

    /** The user name, or null when the CONNECT had none. */
    public String username() {
        return username;
    }

    /** The password as sent (raw bytes, any encoding), or null when the CONNECT had none. */
    public byte[] password() {
        return password;
    }

    /**
     * Drops the user name and the password (the access token) once read: a live session does not keep its
     * bearer token in the heap, nor a copy of a name the session holds already.
     */
    public void forgetCredentials() {
        username = null;
        password = null;
    }

    /** The CONNECT's will, or null. */
    public Will will() {
        return will;
    }

    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    public boolean isOpen() {
        return ctx.channel().isActive();
    }

    public boolean isSsl() {
        return ctx.pipeline().get(SslHandler.class) != null;
    }

    /** The TLS session, or null without TLS. */
    public SSLSession sslSession() {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        return ssl == null ? null : ssl.engine().getSession();
    }

    public InetSocketAddress remoteAddress() {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
    }

    /** Whether the outbound buffer is under the high-water mark. */
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /** Stops (true) or restarts reading from the client (backpressure); decoded packets wait too, in order. */
    public void pauseReading(boolean pause) {
        // the keep-alive counts from when the client can be heard again: a PINGREQ may wait unread (tour K, K8)
        lastReadNanos = paused && !pause ? System.nanoTime() : lastReadNanos;
        paused = pause;
        ctx.channel().config().setAutoRead(!pause);
        if (!pause && held != null && accepted) {
            ctx.executor().execute(this::drainHeld);
        }
    }

    public void close() {
        ctx.close();
    }

    /** Where packets (after {@link #accept}) and the close (also during authentication) go; set at CONNECT. */
    public void handler(PacketHandler packets) {
        this.handler = packets;
    }

    /** CONNACK 0: the connection is accepted; packets go to the {@link #handler} from now on. */
    public void accept(boolean sessionPresent, MqttProperties properties) {
        this.accepted = true;
        write(Packets.connack(MqttConnectReturnCode.CONNECTION_ACCEPTED, sessionPresent, properties));
        // after the caller finished accepting: the held packets first, then whatever waits in the socket
        ctx.executor().execute(() -> pauseReading(false));
    }

    private void hold(MqttMessage m) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        if (!accepted && held.size() >= MAX_HELD) {
            ctx.close(); // a flood before CONNACK
            return;
        }
        held.addLast(ReferenceCountUtil.retain(m));
    }

    /** Handles the held packets in order until none is left or reading is paused again (backpressure). */
    private void drainHeld() {
        while (held != null && !paused && ctx.channel().isActive()) {
            MqttMessage m = held.pollFirst();
            if (m == null) {
                held = null;
                break;
            }
            try {
                dispatch(m);
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
        flushIfNeeded();
    }

    private void releaseHeld() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held = null;
        }
    }

    /** CONNACK with a refusal, then close (MQTT §3.2.2.3). */
    public void reject(MqttConnectReturnCode code, MqttProperties properties) {
        ctx.writeAndFlush(Packets.connack(code, false, properties)).addListener(ChannelFutureListener.CLOSE);
    }

    public void publishAcknowledge(int messageId, byte reasonCode, MqttProperties properties) {
        write(Packets.pubReply(MqttMessageType.PUBACK, messageId, reasonCode, properties));
    }

    public void publishReceived(int messageId, byte reasonCode, MqttProperties properties) {
        write(Packets.pubReply(MqttMessageType.PUBREC, messageId, reasonCode, properties));
    }

    /** SUBACK with one code per filter: granted QoS or, MQTT 5, a reason code (MQTT 3.1.1: 0x80 failure). */
    public void subscribeAcknowledge(int messageId, int[] codes, MqttProperties properties) {
        write(Packets.suback(messageId, codes, properties));
    }

    /** UNSUBACK; MQTT 5 with one reason code per filter (whether a subscription existed). */
    public void unsubscribeAcknowledge(int messageId, boolean[] existed) {
        write(Packets.unsuback(messageId, existed, protocolVersion >= 5));
    }

    /** MQTT 5 DISCONNECT with a reason; the connection stays open (the caller closes it, after a grace). */
    public void disconnect(byte reasonCode, MqttProperties properties) {
        write(MqttMessageBuilders.disconnect().reasonCode(reasonCode).properties(properties).build());
    }

    private void disconnectAndClose(byte reasonCode) {
        if (protocolVersion >= 5) {
            ctx.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode(reasonCode).build())
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    /** MQTT 5 AUTH. */
    public void authenticationExchange(byte reasonCode, MqttProperties properties) {
        write(MqttMessageBuilders.auth().reasonCode(reasonCode).properties(properties).build());
    }

    /**
     * Writes a packet (a delivery): on the event loop without flushing (see the class comment), from any other
     * thread with a flush of its own.
     */
    public void send(Object packet) {
        if (ctx.executor().inEventLoop()) {
            write(packet);
        } else {
            ctx.writeAndFlush(packet, ctx.voidPromise());
        }
    }

    private void write(Object packet) {
        ctx.write(packet, ctx.voidPromise());
        needsFlush = true;
        if (!reading && !flushPending) {
            flushPending = true;
            ctx.executor().execute(flushTask);
        }
    }

    private void flushIfNeeded() {
        flushPending = false;
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
    }
}
