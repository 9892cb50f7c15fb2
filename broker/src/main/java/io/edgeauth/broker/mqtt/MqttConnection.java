package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.Protocol;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.mqtt.wire.MqttChannel;
import io.edgeauth.broker.mqtt.wire.Publish;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One MQTT connection: the state its parts share and its life from CONNECT to close. The parts, one
 * responsibility each: {@link MqttAuthentication} (CONNECT, CONNACK, renewal, expiry, revocation),
 * {@link MqttSessionBinding} (the session store: resume, takeover, session slots, wills),
 * {@link MqttInbound} (PUBLISH, SUBSCRIBE, UNSUBSCRIBE from the client) and {@link MqttDelivery} (deliveries
 * to the client and flow control). Every handler runs on the connection's event loop ({@code eventLoop}); the
 * authentication pipeline completes anywhere and is brought back onto it, so nothing here blocks and no state
 * needs locking except the shared {@link MqttSessionState} owner hand-over.
 */
final class MqttConnection {
    static final long DISCONNECT_GRACE_MILLIS = 500;

    final MqttEdge edge;
    /** The connection on the wire: what the CONNECT said, and the packets to send. */
    final MqttChannel endpoint;
    final Protocol protocol;
    /** The channel's event loop, where everything of this connection runs. */
    final EventLoop eventLoop;
    final Executor executor;
    final boolean v5;
    final MqttSettings.Limits limits;
    final MqttAuthentication auth;
    final MqttSessionBinding sessions;
    final MqttInbound inbound;
    final MqttDelivery delivery;
    TransportFacts transport;
    String reportedGeo;
    /** Set on the connection's loop; read by revocation listeners on other threads. */
    volatile DeviceSession session;
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
    /** The principal's session slot this connection holds (see SessionSlots#take), or null. */
    String slotKey;
    AtomicInteger sessionGauge;

    MqttConnection(MqttEdge edge, MqttChannel endpoint, Protocol protocol) {
        this.edge = edge;
        this.endpoint = endpoint;
        this.protocol = protocol;
        this.eventLoop = endpoint.eventLoop();
        this.executor = task -> eventLoop.execute(guarded(task));
        this.v5 = endpoint.protocolVersion() >= MqttReasons.MQTT_5;
        this.limits = edge.settings.limits();
        this.auth = new MqttAuthentication(this);
        this.sessions = new MqttSessionBinding(this);
        this.inbound = new MqttInbound(this);
        this.delivery = new MqttDelivery(this);
    }

    /** Reads the CONNECT and authenticates it; the connection answers CONNACK when the pipeline has. */
    void start() {
        endpoint.handler(packets()); // its close before CONNACK too: a pending authentication must not accept then
        auth.start();
    }

    /** Called on any thread by revocation events: re-checks on this connection's event loop. */
    void recheckRevocation() {
        auth.recheckRevocation();
    }

    /** The packet handlers of an accepted connection (PINGREQ, PUBREL and a client's PUBREC the wire answers). */
    io.edgeauth.broker.mqtt.wire.PacketHandler packets() {
        return new io.edgeauth.broker.mqtt.wire.PacketHandler() {
            @Override
            public void onPublish(Publish m) {
                inbound.onPublish(m);
            }

            @Override
            public void onSubscribe(int messageId, MqttProperties properties, List<MqttTopicSubscription> subscriptions) {
                inbound.onSubscribe(messageId, properties, subscriptions);
            }

            @Override
            public void onUnsubscribe(int messageId, List<String> topics) {
                inbound.onUnsubscribe(messageId, topics);
            }

            @Override
            public void onPuback(int messageId) {
                delivery.onPuback(messageId);
            }

            @Override
            public byte onPubrel(int messageId) {
                return inbound.onPubrel(messageId);
            }

            @Override
            public void onAuth(byte reasonCode, MqttProperties properties) {
                auth.onAuth(reasonCode, properties);
            }

            @Override
            public boolean onDisconnect(byte reasonCode, MqttProperties properties) {
                return sessions.disconnected(reasonCode, properties);
            }

            @Override
            public void onWritable() {
                if (state != null) {
                    state.queue.wakeUp();
                }
            }

            @Override
            public void onClose() {
                MqttConnection.this.onClose();
            }

            @Override
            public void onTick() {
                auth.checkExpiry();
            }
        };
    }

    void shutdown() {
        executor.execute(() -> disconnect(MqttReasonCodes.Disconnect.SERVER_SHUTTING_DOWN, "shutdown"));
    }

    /** Another connection took this session over: the will goes out now if due (MqttSessionBinding#willAtTakeover). */
    void takenOver() {
        sessions.willAtTakeover();
        disconnect(MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER, "session_taken_over");
    }

    /**
     * Ends the session. MQTT 5: DISCONNECT with the reason, then the connection stays open (reading and
     * ignoring everything) for {@link #DISCONNECT_GRACE_MILLIS} so the client reads the reason code
     * instead of a reset caused by our closing with its packets unread; the client normally closes first.
     */
    void disconnect(MqttReasonCodes.Disconnect code, String reason) {
        if (closed || closing) {
            return;
        }
        closing = true;
        if (v5 && accepted && endpoint.isOpen()) {
            MqttProperties p = new MqttProperties();
            if (ClientPacketLimit.reasonStringFits(ClientPacketLimit.of(endpoint.connectProperties()), 1, reason)) {
                p.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reason)); // else left out, §3.1.2.11.4
            }
            endpoint.disconnect(code.byteValue(), p);
            if (delivery.paused()) {
                endpoint.pauseReading(false);
            }
            eventLoop.schedule(guarded(this::closeNow), DISCONNECT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        closeNow();
    }

    private void closeNow() {
        if (!closed) {
            endpoint.close();
        }
    }

    void onClose() {
        if (closed) {
            return;
        }
        closed = true;
        delivery.close();
        if (slotKey != null) {
            edge.slots.release(slotKey);
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
        f.put("remote", io.edgeauth.broker.audit.AuditAddress.of(remote)); // the one format of every event
        if (s != null) {
            f.put("principal", s.principal());
            f.put("tenant", s.tenant());
            f.put("fingerprint", s.token().fingerprint());
        }
        return f;
    }

    /** {@code task}, with an exception it throws reported as the edge's internal error instead of Netty's WARN line. */
    Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                edge.internalError(e);
                if (e instanceof Error error) {
                    throw error;
                }
            }
        };
    }
}
