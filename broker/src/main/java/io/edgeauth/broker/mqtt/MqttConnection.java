package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.Protocol;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.TopicAcl;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT connection: the state its parts share and its life from CONNECT to close. The parts, one
 * responsibility each: {@link MqttAuthentication} (CONNECT, CONNACK, renewal, expiry, revocation),
 * {@link MqttSessionBinding} (the session store: resume, takeover, session slots, wills),
 * {@link MqttInbound} (PUBLISH, SUBSCRIBE, UNSUBSCRIBE from the client) and {@link MqttDelivery} (deliveries
 * to the client and flow control). Every handler runs on the connection's event loop ({@code context}); the
 * authentication pipeline completes anywhere and is brought back onto it, so nothing here blocks and no state
 * needs locking except the shared {@link MqttSessionState} owner hand-over.
 */
final class MqttConnection {
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    static final long DISCONNECT_GRACE_MILLIS = 500;

    final MqttEdge edge;
    final MqttEndpoint endpoint;
    final Protocol protocol;
    final Context context;
    final Executor executor;
    final NetSocket socket;
    /** The same socket when it takes Netty messages (TCP, TLS): deliveries are written there directly. */
    final NetSocketInternal writer;
    final EventLoop eventLoop;
    final boolean v5;
    final MqttSettings.Limits limits;
    final MqttAuthentication auth;
    final MqttSessionBinding sessions;
    final MqttInbound inbound;
    final MqttDelivery delivery;
    TransportFacts transport;
    String reportedGeo;
    DeviceSession session;
    TopicAcl acl;
    RateLimiter limiter;
    MqttSessionState state;
    /** PUBACK/PUBREC in order, each after the journal holds its message (set once accepted). */
    DurableAcks acks;
    String clientId;
    boolean accepted;
    boolean closed;
    boolean closing;
    boolean normalDisconnect;
    boolean disconnectWithWill;
    boolean suppressWill;
    /** Set by the connection that took this session over: whether it continues the session (clean start 0). */
    volatile boolean resumedElsewhere;
    /** The principal's session slot this connection holds (see MqttEdge#takeSessionSlot), or null. */
    String slotKey;
    AtomicInteger sessionGauge;

    MqttConnection(MqttEdge edge, MqttEndpoint endpoint, Protocol protocol, Context context) {
        this.edge = edge;
        this.endpoint = endpoint;
        this.protocol = protocol;
        this.context = context;
        this.executor = task -> context.runOnContext(v -> task.run());
        this.socket = EndpointInternals.socket(endpoint);
        this.writer = socket instanceof NetSocketInternal internal ? internal : null;
        if (writer != null) {
            AuthReasonGuard.install(writer.channelHandlerContext().pipeline());
        }
        this.eventLoop = context instanceof ContextInternal internal ? internal.nettyEventLoop() : null;
        this.v5 = endpoint.protocolVersion() >= MqttReasons.MQTT_5;
        this.limits = edge.settings.limits();
        this.auth = new MqttAuthentication(this);
        this.sessions = new MqttSessionBinding(this);
        this.inbound = new MqttInbound(this);
        this.delivery = new MqttDelivery(this);
    }

    /** Reads the CONNECT and authenticates it; the connection answers CONNACK when the pipeline has. */
    void start() {
        auth.start();
    }

    /** Called on any thread by revocation events: re-checks on this connection's event loop. */
    void recheckRevocation() {
        auth.recheckRevocation();
    }

    /** The packet handlers of an accepted connection. */
    void installHandlers() {
        endpoint.publishHandler(inbound::onPublish);
        endpoint.subscribeHandler(inbound::onSubscribe);
        endpoint.unsubscribeHandler(inbound::onUnsubscribe);
        endpoint.publishAcknowledgeHandler(delivery::onPuback);
        endpoint.publishReleaseHandler(endpoint::publishComplete);
        endpoint.publishReceivedHandler(endpoint::publishRelease); // a client answering QoS 2 (we send QoS <= 1)
        endpoint.authenticationExchangeHandler(auth::onAuth);
        endpoint.disconnectMessageHandler(m -> {
            disconnectWithWill = m.code() == MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
            normalDisconnect = true;
        });
        endpoint.disconnectHandler(v -> normalDisconnect = true);
    }

    void shutdown() {
        context.runOnContext(v -> disconnect(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN, "shutdown"));
    }

    /** Another connection took this session over; what becomes of the will is decided when this one closes. */
    void takenOver() {
        disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, "session_taken_over");
    }

    /**
     * Ends the session. MQTT 5: DISCONNECT with the reason, then the connection stays open (reading and
     * ignoring everything) for {@link #DISCONNECT_GRACE_MILLIS} so the client reads the reason code
     * instead of a reset caused by our closing with its packets unread; the client normally closes first.
     */
    void disconnect(MqttDisconnectReasonCode code, String reason) {
        if (closed || closing) {
            return;
        }
        closing = true;
        if (v5 && endpoint.isConnected()) {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reason));
            if (socket instanceof NetSocketInternal internal) {
                internal.writeMessage(MqttMessageFactory.newMessage(
                        new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new MqttReasonCodeAndPropertiesVariableHeader(code.value(), p), null));
                if (delivery.paused()) {
                    socket.resume();
                }
                edge.vertx.setTimer(DISCONNECT_GRACE_MILLIS, id -> closeNow());
                return;
            }
            endpoint.disconnect(code, p); // writes and closes at once
        }
        closeNow();
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        try {
            endpoint.close();
        } catch (IllegalArgumentException | IllegalStateException alreadyClosed) {
            LOG.trace("endpoint {} already closed", clientId);
        }
    }

    void onClose() {
        if (closed) {
            return;
        }
        closed = true;
        auth.cancelExpiry();
        delivery.close();
        if (slotKey != null) {
            edge.releaseSessionSlot(slotKey);
            slotKey = null;
        }
        if (!accepted) {
            return;
        }
        edge.live.remove(this);
        sessionGauge.decrementAndGet();
        sessions.release();
    }

    Map<String, Object> auditFields(String id, DeviceSession s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("protocol", protocol.label());
        f.put("clientId", id);
        InetSocketAddress remote = transport == null ? null : transport.remoteAddress();
        f.put("remote", remote == null ? null : remote.getAddress().getHostAddress());
        if (s != null) {
            f.put("principal", s.principal());
            f.put("tenant", s.tenant());
            f.put("fingerprint", s.token().fingerprint());
        }
        return f;
    }
}
