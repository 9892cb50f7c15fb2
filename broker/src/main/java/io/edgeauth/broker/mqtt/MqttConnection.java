package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.MqttFields.binaryProperty;
import static io.edgeauth.broker.mqtt.MqttFields.intProperty;
import static io.edgeauth.broker.mqtt.MqttFields.normalize;
import static io.edgeauth.broker.mqtt.MqttFields.stringProperty;
import static io.edgeauth.broker.mqtt.MqttFields.userProperties;
import static io.edgeauth.broker.mqtt.MqttFields.userProperty;

import io.edgeauth.broker.auth.AuthRequest;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.KeyThumbprints;
import io.edgeauth.broker.auth.Protocol;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.policy.TopicFilters;
import io.edgeauth.broker.router.PublishResult;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.SharedFilter;
import io.edgeauth.broker.router.Subscriber;
import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.Subscription;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenRejectedException;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.MqttWill;
import io.vertx.mqtt.messages.MqttAuthenticationExchangeMessage;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttAuthenticateReasonCode;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT connection. Every handler runs on the connection's event loop ({@code context}); the
 * authentication pipeline completes anywhere and is brought back onto it, so nothing here blocks and
 * no state needs locking except the shared {@link MqttSessionState} owner hand-over.
 */
final class MqttConnection {
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final Logger DROPS = LoggerFactory.getLogger("io.edgeauth.broker.mqtt.drops");

    private final MqttEdge edge;
    private final MqttEndpoint endpoint;
    private final Protocol protocol;
    private final Context context;
    private final Executor executor;
    private final NetSocket socket;
    /** The same socket when it takes Netty messages (TCP, TLS): deliveries are written there directly. */
    private final NetSocketInternal writer;
    private final io.netty.channel.EventLoop eventLoop;
    private final boolean v5;
    private final MqttSettings.Limits limits;
    private TransportFacts transport;
    private String reportedGeo;
    private DeviceSession session;
    private TopicAcl acl;
    /** The last topic this connection published to that passed the topic checks and {@link #acl}; or null. */
    /** The last topic name this connection published to that passed the syntax checks; or null. */
    private String lastValidTopic;
    private RateLimiter limiter;
    private MqttSessionState state;
    /** PUBACK/PUBREC in order, each after the journal holds its message (set once accepted). */
    private DurableAcks acks;
    private String clientId;
    private boolean enhancedAuth;
    private boolean accepted;
    private boolean closed;
    private boolean normalDisconnect;
    private boolean disconnectWithWill;
    private boolean suppressWill;
    /** Set by the connection that took this session over: whether it continues the session (clean start 0). */
    private volatile boolean resumedElsewhere;
    private boolean renewing;
    /** The principal's session slot this connection holds (see MqttEdge#takeSessionSlot), or null. */
    private String slotKey;
    private boolean closing;
    static final long DISCONNECT_GRACE_MILLIS = 500;
    private long expiryTimer = -1;
    /** Refused over-rate messages in the current abuse window, and when that window began (see MqttSettings.AbuseRule). */
    private int refusedInWindow;
    private long abuseWindowStart = System.nanoTime();
    private int nextPacketId = 1;
    private final Map<Integer, SubscriberQueue.Delivery> outgoing = new HashMap<>();
    private boolean paused;
    private int pauseGeneration;
    private int pendingWritable;
    private long pauseTimer = -1;
    private java.util.concurrent.atomic.AtomicInteger sessionGauge;
    /** A flush of batched deliveries is queued on the event loop (see {@code Sink.writeBatched}). */
    private boolean flushPending;
    private final Runnable flushTask = this::flushDeliveries;

    MqttConnection(MqttEdge edge, MqttEndpoint endpoint, Protocol protocol, Context context) {
        this.edge = edge;
        this.endpoint = endpoint;
        this.protocol = protocol;
        this.context = context;
        this.executor = task -> context.runOnContext(v -> task.run());
        this.socket = EndpointInternals.socket(endpoint);
        this.writer = socket instanceof NetSocketInternal internal ? internal : null;
        this.eventLoop = context instanceof ContextInternal internal ? internal.nettyEventLoop() : null;
        this.v5 = endpoint.protocolVersion() >= MqttReasons.MQTT_5;
        this.limits = edge.settings.limits();
    }

    // ---------------------------------------------------------------- CONNECT

    void start() {
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        endpoint.autoKeepAlive(true);
        endpoint.closeHandler(v -> onClose());
        endpoint.exceptionHandler(t -> LOG.debug("mqtt connection {}: {}", clientId, t.toString()));
        Certificate clientCert = clientCertificate();
        transport = new TransportFacts(protocol, remoteAddress(), thumbprint(clientCert), endpoint.isSsl(), null, null,
                clientCert == null ? null : KeyThumbprints.ofOrNull(clientCert.getPublicKey()));
        MqttProperties props = endpoint.connectProperties();
        reportedGeo = userProperty(props, "geo");
        String requestedId = endpoint.clientIdentifier();
        if (requestedId != null && requestedId.length() > limits.maxClientIdLength()) {
            refuseAtEdge("client_id_too_long", MqttReasons.badClientId(endpoint.protocolVersion()));
            return;
        }
        byte[] token;
        String method = stringProperty(props, MqttProperties.AUTHENTICATION_METHOD);
        if (method != null) {
            if (!MqttEdge.AUTH_METHOD.equals(method)) {
                refuseAtEdge("bad_authentication_method", MqttReasons.badAuthMethod(endpoint.protocolVersion()));
                return;
            }
            enhancedAuth = true;
            token = binaryProperty(props, MqttProperties.AUTHENTICATION_DATA);
            if (token == null) {
                token = passwordBytes();
            }
        } else {
            token = passwordBytes();
        }
        RejectionReason bad = tokenShapeError(token);
        if (bad != null) {
            refuseAtEdge(bad.code(), MqttReasons.connack(bad.category(), endpoint.protocolVersion()));
            return;
        }
        String claimed = requestedId != null && !requestedId.isEmpty() ? requestedId
                : endpoint.auth() != null && endpoint.auth().getUsername() != null
                && !endpoint.auth().getUsername().isEmpty() ? endpoint.auth().getUsername() : null;
        AuthRequest request = new AuthRequest(claimed, normalize(token), transport, reportedGeo);
        // the token is read: the endpoint need not keep it for the life of the connection
        EndpointInternals.forgetCredentials(endpoint);
        if (props != null && props.getProperty(MqttProperties.AUTHENTICATION_DATA) != null) {
            // Netty's properties have no remove: an empty value replaces the token's bytes
            props.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, new byte[0]));
        }
        Timer.Sample sample = Timer.start();
        authenticate(request, (s, err) -> {
            sample.stop(edge.metrics.authLatency());
            if (err != null) {
                refuse(err);
                return;
            }
            try {
                onAuthenticated(s);
            } catch (RuntimeException e) {
                LOG.error("accepting an authenticated MQTT session failed", e);
                if (accepted) {
                    endpoint.close();
                } else {
                    refuse(e);
                }
            }
        });
    }

    private void authenticate(AuthRequest request, java.util.function.BiConsumer<DeviceSession, Throwable> then) {
        CompletionStage<DeviceSession> stage;
        try {
            stage = edge.pipeline.authenticate(request);
        } catch (RuntimeException e) {
            then.accept(null, e);
            return;
        }
        stage.whenComplete((s, err) -> context.runOnContext(v -> then.accept(s, err)));
    }

    private void refuse(Throwable err) {
        RejectionReason reason = reasonOf(err);
        if (reason == RejectionReason.INTERNAL_ERROR) {
            LOG.warn("authentication failed on the server side", unwrap(err));
        }
        edge.metrics.refused(reason.code());
        if (!closed) {
            reject(MqttReasons.connack(reason.category(), endpoint.protocolVersion()), reason.code());
        }
    }

    /** A refusal decided by the edge before the pipeline: audited and charged to the connect guard here. */
    private void refuseAtEdge(String reason, MqttConnectReturnCode code) {
        edge.metrics.refused(reason);
        InetSocketAddress remote = transport.remoteAddress();
        // nothing is authenticated yet: the source pays, never the client id it claims
        edge.rateLimits.recordFailedConnect(null, remote == null ? null : remote.getAddress());
        edge.audit.record("mqtt.connect.refused", reason, auditFields(endpoint.clientIdentifier(), null));
        reject(code, reason);
    }

    private void reject(MqttConnectReturnCode code, String reason) {
        if (v5) {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reason));
            endpoint.reject(code, p);
        } else {
            endpoint.reject(code);
        }
    }

    private void onAuthenticated(DeviceSession s) {
        if (closed) {
            return;
        }
        if (s.isExpiredAt(edge.clock.instant())) { // the pipeline's validity (exp + its leeway), on its clock
            refuse(new TokenRejectedException(RejectionReason.EXPIRED, "token expired"));
            return;
        }
        session = s;
        acl = TopicAcl.of(s);
        limiter = edge.rateLimits.forDevice(s.tenant(), s.principal(), edge.ratePlans.apply(s.ratePlan()));
        String requestedId = endpoint.clientIdentifier();
        boolean assigned = requestedId == null || requestedId.isEmpty();
        clientId = assigned ? MqttSessionState.assignedClientId(s) : requestedId;
        long expirySeconds = sessionExpirySeconds();
        String key = s.tenant() + '\u0000' + clientId;
        boolean present = false;
        MqttSessionState existing = edge.sessions.get(key);
        if (existing != null && !existing.belongsTo(s)) {
            // the pipeline keeps client ids inside their principal's namespace; this is the second lock on the door
            edge.audit.record("mqtt.connect.refused", RejectionReason.CLIENT_ID_MISMATCH.code(), auditFields(clientId, s));
            refuse(new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, "session belongs to another principal"));
            return;
        }
        String principalKey = s.tenant() + '\u0000' + s.principal();
        if (!edge.takeSessionSlot(principalKey, existing != null && existing.owner != null)) {
            edge.audit.record("mqtt.connect.refused", "too_many_sessions", auditFields(clientId, s));
            refuse(new TokenRejectedException(RejectionReason.RATE_LIMITED, "too many sessions of this principal"));
            return;
        }
        slotKey = principalKey;
        boolean continues = existing != null && !endpoint.isCleanSession();
        MqttConnection previousOwner = null;
        Runnable heldWill = null;
        if (existing != null) {
            // one step under the session's monitor, the same the closing owner takes: its will is either already
            // held back here or it learns that the session was resumed (see onClose)
            synchronized (existing) {
                previousOwner = existing.owner;
                existing.owner = null;
                if (previousOwner != null) {
                    previousOwner.resumedElsewhere = continues;
                }
                if (existing.expiryTimer >= 0) {
                    edge.vertx.cancelTimer(existing.expiryTimer);
                    existing.expiryTimer = -1;
                }
                heldWill = edge.takePendingWill(existing);
            }
        }
        if (heldWill != null && !continues) {
            heldWill.run(); // a clean start ends the old session: its will is due now; a resumed one drops it
        }
        if (previousOwner != null) {
            MqttConnection old = previousOwner;
            old.context.runOnContext(v -> old.takenOver());
        }
        if (continues) {
            state = existing;
            present = true;
            state.retainAllowed(acl, edge.router); // the new token may allow less
        } else {
            if (existing != null) {
                edge.destroy(existing);
            }
            SubscriberQueue queue = new SubscriberQueue(s.tenant() + "/" + clientId, limits.queueLength(),
                    expirySeconds > 0 ? limits.offlineQueueLength() : 0, limits.receiveMaximum(),
                    limits.overflowPolicy(), this::countDrop);
            queue.stuckAfter(edge.settings.backpressureTimeout());
            state = new MqttSessionState(key, s.tenant(), s.principal(), queue);
            edge.sessions.put(key, state);
        }
        synchronized (state) {
            state.owner = this;
            state.expirySeconds = expirySeconds;
        }
        edge.persistence.track(state);
        acks = new DurableAcks(edge.persistence.journal(), context);
        accepted = true;
        endpoint.accept(present, connackProperties(assigned, expirySeconds));
        installHandlers();
        int window = Math.min(limits.receiveMaximum(), clientReceiveMaximum());
        state.queue.attach(new Sink(), executor, window);
        if (socket != null) {
            socket.drainHandler(v -> state.queue.wakeUp());
        }
        if (writer != null) {
            // deliveries are written to the channel directly (writeBatched), past Vert.x's write queue, whose
            // drain handler therefore never fires: resume on the channel's own writability instead
            writer.channelHandlerContext().pipeline().addFirst(new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(io.netty.channel.ChannelHandlerContext ctx) {
                    if (ctx.channel().isWritable() && state != null) {
                        state.queue.wakeUp();
                    }
                    ctx.fireChannelWritabilityChanged();
                }
            });
        }
        scheduleExpiry();
        sessionGauge = edge.metrics.sessions(s.tenant(), protocol.label());
        sessionGauge.incrementAndGet();
        edge.metrics.accepted();
        edge.live.add(this);
        recheckRevocation(); // a revocation may have landed while authentication was pending
    }

    private MqttProperties connackProperties(boolean assignedId, long expirySeconds) {
        MqttProperties p = new MqttProperties();
        if (!v5) {
            return p;
        }
        p.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, limits.receiveMaximum()));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, limits.maxPacketSize()));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, 0));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0));
        Integer requested = intProperty(endpoint.connectProperties(), MqttProperties.SESSION_EXPIRY_INTERVAL);
        if (requested != null && requested != expirySeconds) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, (int) expirySeconds));
        }
        if (assignedId) {
            p.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, clientId));
        }
        if (enhancedAuth) {
            p.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, MqttEdge.AUTH_METHOD));
        }
        return p;
    }

    private long sessionExpirySeconds() {
        long max = edge.settings.maxSessionExpiry().toSeconds();
        if (v5) {
            Integer requested = intProperty(endpoint.connectProperties(), MqttProperties.SESSION_EXPIRY_INTERVAL);
            long value = requested == null ? 0 : Integer.toUnsignedLong(requested);
            return Math.min(value, max);
        }
        return endpoint.isCleanSession() ? 0 : max;
    }

    private int clientReceiveMaximum() {
        Integer value = intProperty(endpoint.connectProperties(), MqttProperties.RECEIVE_MAXIMUM);
        return value == null || value <= 0 ? 65535 : value;
    }

    private void installHandlers() {
        endpoint.publishHandler(this::onPublish);
        endpoint.subscribeHandler(this::onSubscribe);
        endpoint.unsubscribeHandler(this::onUnsubscribe);
        endpoint.publishAcknowledgeHandler(this::onPuback);
        endpoint.publishReleaseHandler(endpoint::publishComplete);
        endpoint.publishReceivedHandler(endpoint::publishRelease); // a client answering QoS 2 (we send QoS <= 1)
        endpoint.authenticationExchangeHandler(this::onAuth);
        endpoint.disconnectMessageHandler(m -> {
            disconnectWithWill = m.code() == MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
            normalDisconnect = true;
        });
        endpoint.disconnectHandler(v -> normalDisconnect = true);
    }

    // ---------------------------------------------------------------- PUBLISH in

    private void onPublish(MqttPublishMessage m) {
        if (closing) {
            return;
        }
        edge.metrics.in();
        if (v5 && m.properties() != null && m.properties().getProperty(MqttProperties.TOPIC_ALIAS) != null) {
            // CONNACK announced a Topic Alias Maximum of 0: any alias is above it (MQTT 5 §3.3.2.3.4)
            disconnect(MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID, "topic_alias_invalid");
            return;
        }
        String topic = m.topicName();
        if (MqttEdge.RENEW_TOPIC.equals(topic)) {
            renew(m.payload().getBytes(), () -> acks.sendInOrder(() -> acknowledge(m)));
            return;
        }
        if (!topic.equals(lastValidTopic)) { // a device publishes to few topics: validate each new one once
            if (topicError(topic, false) != null) {
                refusePublish(m, MqttPubAckReasonCode.TOPIC_NAME_INVALID, "topic_invalid");
                if (!v5) {
                    endpoint.close(); // MQTT 3.1.1 has no negative PUBACK: a malformed topic ends the connection
                }
                return;
            }
            lastValidTopic = topic;
        }
        List<RoutedMessage.UserProperty> properties = userProperties(m.properties());
        String location = userProperty(properties, "geo");
        PublishGate.Refusal refusal = edge.publishGate.check(acl, limiter, session.token().geo(), topic,
                m.payload().length(), location);
        if (refusal != null) {
            refused(m, refusal);
            return;
        }
        if (location == null && reportedGeo != null) {
            // subscribers see where the device said it is, whether it said so at CONNECT or per message
            properties = new ArrayList<>(properties);
            properties.add(new RoutedMessage.UserProperty("geo", reportedGeo));
        }
        RoutedMessage message = new RoutedMessage(session.tenant(), topic, m.payload().getBytes(),
                m.qosLevel().value(), m.isRetain(), properties, session.principal());
        long journalMark = acks.mark();
        PublishResult result = edge.router.publish(message);
        acks.send(journalMark, result.handoff(), () -> acknowledge(m), () -> handoffFailed(m));
        if (result.congestedAny()) {
            backpressure(result.congested());
        }
    }

    /**
     * Another node's inbox could not take the message (Redis out): MQTT 5 answers 0x80, MQTT 3.1.1 has no
     * negative PUBACK, so the connection ends unacknowledged and the client sends it again.
     */
    private void handoffFailed(MqttPublishMessage m) {
        edge.metrics.drop("cross_node_handoff");
        if (v5) {
            sendRefusal(m, MqttPubAckReasonCode.UNSPECIFIED_ERROR);
        } else if (!closed) {
            endpoint.close();
        }
    }

    /** Maps a {@link PublishGate} refusal to MQTT: PUBACK 0x97 / 0x87, and disconnects sustained rate abuse. */
    private void refused(MqttPublishMessage m, PublishGate.Refusal refusal) {
        if (refusal.reason() == RejectionReason.RATE_LIMITED) {
            if (abusive()) {
                edge.metrics.drop("rate_limited");
                edge.audit.record("mqtt.session.closed", "rate_abuse", auditFields(clientId, session));
                disconnect(MqttDisconnectReasonCode.MESSAGE_RATE_TOO_HIGH, "rate_abuse");
                return;
            }
            refusePublish(m, MqttPubAckReasonCode.QUOTA_EXCEEDED, "rate_limited");
            return;
        }
        if (refusal.reason() != RejectionReason.FORBIDDEN) { // location refusals are audited; ACL misses only counted
            edge.audit.record("mqtt.publish.refused", refusal.reason().code(), auditFields(clientId, session));
        }
        refusePublish(m, MqttPubAckReasonCode.NOT_AUTHORIZED,
                refusal.reason() == RejectionReason.FORBIDDEN ? "not_authorized" : refusal.reason().code());
    }

    /** Counts one over-rate refusal; true once the window holds {@code abuseRule().maxRefused()} of them. */
    private boolean abusive() {
        MqttSettings.AbuseRule rule = edge.settings.abuseRule();
        long now = System.nanoTime();
        if (now - abuseWindowStart >= rule.window().toNanos()) {
            abuseWindowStart = now;
            refusedInWindow = 0;
        }
        return ++refusedInWindow >= rule.maxRefused(); // accepted messages in between (refills) do not reset it
    }

    private void acknowledge(MqttPublishMessage m) {
        if (closed) {
            return; // an acknowledgement that waited for the journal outlived its connection
        }
        switch (m.qosLevel()) {
            case AT_LEAST_ONCE -> endpoint.publishAcknowledge(m.messageId());
            case EXACTLY_ONCE -> endpoint.publishReceived(m.messageId()); // PUBCOMP on PUBREL; routed once, at-least-once
            default -> { }
        }
    }

    private void refusePublish(MqttPublishMessage m, MqttPubAckReasonCode code, String reason) {
        edge.metrics.drop(reason);
        DROPS.debug("publish from {} to {} refused: {}", clientId, m.topicName(), reason);
        if (acks != null) { // in the order of the PUBLISH packets, behind acknowledgements that wait for the journal
            acks.sendInOrder(() -> sendRefusal(m, code));
        } else {
            sendRefusal(m, code);
        }
    }

    private void sendRefusal(MqttPublishMessage m, MqttPubAckReasonCode code) {
        if (closed) {
            return;
        }
        if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            if (v5) {
                endpoint.publishAcknowledge(m.messageId(), code, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.publishAcknowledge(m.messageId());
            }
        } else if (m.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            if (v5) {
                endpoint.publishReceived(m.messageId(), MqttPubRecReasonCode.valueOf(code.value()),
                        MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.publishReceived(m.messageId());
            }
        }
    }

    /** Pauses reading from this publisher until every congested subscriber drained (or the timeout). */
    private void backpressure(List<Subscriber> congested) {
        if (socket == null) {
            return;
        }
        List<Subscriber> others = new ArrayList<>(congested);
        others.remove(state.queue); // never wait on ourselves: our own acks arrive on this socket
        if (others.isEmpty()) {
            return;
        }
        if (!paused) {
            paused = true;
            pauseGeneration++;
            pendingWritable = 0;
            socket.pause();
            edge.metrics.paused();
            pauseTimer = edge.vertx.setTimer(edge.settings.backpressureTimeout().toMillis(), id -> resumeReading());
        }
        int generation = pauseGeneration;
        for (Subscriber s : others) {
            pendingWritable++;
            s.whenWritable(() -> context.runOnContext(v -> {
                if (generation == pauseGeneration && --pendingWritable <= 0) {
                    resumeReading();
                }
            }));
        }
    }

    private void resumeReading() {
        if (!paused) {
            return;
        }
        paused = false;
        pauseGeneration++;
        if (pauseTimer >= 0) {
            edge.vertx.cancelTimer(pauseTimer);
            pauseTimer = -1;
        }
        if (!closed) {
            socket.resume();
        }
    }

    // ---------------------------------------------------------------- SUBSCRIBE

    private void onSubscribe(MqttSubscribeMessage m) {
        if (closing) {
            return;
        }
        List<MqttSubAckReasonCode> codes = new ArrayList<>();
        List<MqttQoS> v3codes = new ArrayList<>();
        int added = 0;
        for (MqttTopicSubscription ts : m.topicSubscriptions()) {
            MqttSubAckReasonCode code = subscribe(ts.topicName(), ts.qualityOfService().value(), added);
            if ((code == MqttSubAckReasonCode.GRANTED_QOS0 || code == MqttSubAckReasonCode.GRANTED_QOS1)
                    && !state.subscriptions.containsKey(ts.topicName())) {
                added++;
            }
            codes.add(code);
            v3codes.add(switch (code) {
                case GRANTED_QOS0 -> MqttQoS.AT_MOST_ONCE;
                case GRANTED_QOS1 -> MqttQoS.AT_LEAST_ONCE;
                default -> MqttQoS.FAILURE;
            });
        }
        if (v5) {
            endpoint.subscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES);
        } else {
            endpoint.subscribeAcknowledge(m.messageId(), v3codes);
        }
        for (int i = 0; i < codes.size(); i++) { // retained messages only after the SUBACK
            MqttSubAckReasonCode code = codes.get(i);
            if (code == MqttSubAckReasonCode.GRANTED_QOS0 || code == MqttSubAckReasonCode.GRANTED_QOS1) {
                String filter = m.topicSubscriptions().get(i).topicName();
                Subscription sub = edge.router.subscribe(session.tenant(), filter, code.value(), state.queue);
                Subscription previous = state.subscriptions.put(filter, sub);
                if (previous != null && previous.qos() != sub.qos()) {
                    LOG.debug("{} re-subscribed {} at QoS {}", clientId, filter, sub.qos());
                }
            }
        }
        edge.persistence.subscriptionsChanged(state);
    }

    private MqttSubAckReasonCode subscribe(String filter, int qos, int addedInThisPacket) {
        String error = SharedFilter.error(filter);
        SharedFilter shared = SharedFilter.parse(filter);
        if (error == null) {
            error = topicError(shared.filter(), true);
        }
        if (error != null) {
            edge.metrics.drop("filter_invalid");
            return MqttSubAckReasonCode.TOPIC_FILTER_INVALID;
        }
        if (!acl.maySubscribe(shared.filter())) {
            edge.metrics.drop("subscribe_not_authorized");
            return MqttSubAckReasonCode.NOT_AUTHORIZED;
        }
        if (!state.subscriptions.containsKey(filter)
                && state.subscriptions.size() + addedInThisPacket >= limits.maxSubscriptionsPerSession()) {
            edge.metrics.drop("subscription_quota");
            return MqttSubAckReasonCode.QUOTA_EXCEEDED;
        }
        return Math.min(qos, 1) == 0 ? MqttSubAckReasonCode.GRANTED_QOS0 : MqttSubAckReasonCode.GRANTED_QOS1;
    }

    private void onUnsubscribe(MqttUnsubscribeMessage m) {
        if (closing) {
            return;
        }
        for (String filter : m.topics()) {
            Subscription sub = state.subscriptions.remove(filter);
            if (sub != null) {
                edge.router.unsubscribe(sub);
            }
        }
        edge.persistence.subscriptionsChanged(state);
        endpoint.unsubscribeAcknowledge(m.messageId());
    }

    private String topicError(String topic, boolean filter) {
        if (topic == null || topic.isEmpty()) {
            return "empty topic";
        }
        if (topic.length() > limits.maxTopicLength()) {
            return "topic too long";
        }
        int depth = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                depth++;
            }
        }
        if (depth > limits.maxTopicDepth()) {
            return "topic too deep";
        }
        return filter ? TopicFilters.filterError(topic) : TopicFilters.topicError(topic);
    }

    // ---------------------------------------------------------------- PUBLISH out

    private final class Sink implements SubscriberQueue.Sink {
        @Override
        public void send(SubscriberQueue.Delivery d) {
            if (closed || closing || state == null || state.owner != MqttConnection.this) {
                return; // requeued by detach/attach
            }
            int id = 0;
            if (d.qos() > 0) {
                id = nextPacketId();
                outgoing.put(id, d);
            }
            RoutedMessage m = d.message();
            MqttQoS qos = MqttQoS.valueOf(d.qos());
            if (writer != null && endpoint.isConnected()) {
                // what endpoint.publish writes, without its two payload copies (Buffer -> byte[] -> ByteBuf):
                // the payload is immutable and shared, so it is wrapped; the encoder copies it once into the frame
                io.netty.handler.codec.mqtt.MqttPublishMessage frame = new io.netty.handler.codec.mqtt.MqttPublishMessage(
                        new MqttFixedHeader(MqttMessageType.PUBLISH, d.duplicate(), qos, m.retain(), 0),
                        new MqttPublishVariableHeader(m.topic(), id, outgoingProperties(m)),
                        Unpooled.wrappedBuffer(m.payload()));
                if (eventLoop != null && eventLoop.inEventLoop()) {
                    writeBatched(frame);
                } else {
                    writer.writeMessage(frame);
                }
            } else {
                endpoint.publish(m.topic(), Buffer.buffer(m.payload()), qos, d.duplicate(), m.retain(), id,
                        outgoingProperties(m));
            }
            edge.metrics.out();
        }

        /**
         * Writes without flushing and flushes once after the current event-loop task: Vert.x flushes every
         * write made outside a read of this socket, which cost one write(2) per delivered message; a
         * drain now leaves in one gathering write. Netty keeps the order with any other write.
         */
        private void writeBatched(Object frame) {
            io.netty.channel.ChannelHandlerContext ctx = writer.channelHandlerContext();
            ctx.write(frame, ctx.voidPromise());
            if (!flushPending) {
                flushPending = true;
                eventLoop.execute(flushTask);
            }
        }

        /**
         * The channel's own writability (its outbound bytes under the high-water mark), not only Vert.x's
         * write queue: deliveries bypass that queue, so it alone never fills and a subscriber that stops
         * reading would grow the channel's outbound buffer without bound.
         */
        @Override
        public boolean ready() {
            if (writer != null && !writer.channelHandlerContext().channel().isWritable()) {
                return false;
            }
            return socket == null || !socket.writeQueueFull();
        }

        @Override
        public boolean onExecutorThread() {
            return eventLoop != null && eventLoop.inEventLoop();
        }
    }

    private void flushDeliveries() {
        flushPending = false;
        writer.channelHandlerContext().flush();
    }

    private int nextPacketId() {
        for (int i = 0; i < 65535; i++) {
            int id = nextPacketId;
            nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
            if (!outgoing.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id"); // impossible: the inflight window is <= 65535
    }

    private void onPuback(Integer packetId) {
        SubscriberQueue.Delivery d = outgoing.remove(packetId);
        if (d != null) {
            state.queue.acknowledged(d);
        }
    }

    private MqttProperties outgoingProperties(RoutedMessage m) {
        if (!v5 || m.userProperties().isEmpty()) {
            return MqttProperties.NO_PROPERTIES;
        }
        List<MqttProperties.StringPair> pairs = new ArrayList<>();
        for (RoutedMessage.UserProperty up : m.userProperties()) {
            pairs.add(new MqttProperties.StringPair(up.name(), up.value()));
        }
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.UserProperties(pairs));
        return p;
    }

    private void countDrop(String reason) {
        edge.metrics.drop(reason);
    }

    // ---------------------------------------------------------------- token life

    private void onAuth(MqttAuthenticationExchangeMessage m) {
        if (closing) {
            return;
        }
        if (!enhancedAuth || m.reasonCode() != MqttAuthenticateReasonCode.RE_AUTHENTICATE
                || !MqttEdge.AUTH_METHOD.equals(m.authenticationMethod())) {
            disconnect(MqttDisconnectReasonCode.PROTOCOL_ERROR, "bad_auth_packet");
            return;
        }
        byte[] token = m.authenticationData() == null ? null : m.authenticationData().getBytes();
        renew(token, () -> {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, MqttEdge.AUTH_METHOD));
            endpoint.authenticationExchange(MqttAuthenticationExchangeMessage.create(MqttAuthenticateReasonCode.SUCCESS, p));
        });
    }

    /** Re-authenticates with a fresh token; the principal and tenant must stay the same. */
    private void renew(byte[] token, Runnable onSuccess) {
        if (renewing) {
            disconnect(MqttDisconnectReasonCode.PROTOCOL_ERROR, "renewal_in_progress");
            return;
        }
        RejectionReason bad = tokenShapeError(token);
        if (bad != null) {
            edge.audit.record("mqtt.renew.refused", bad.code(), auditFields(clientId, session));
            disconnect(MqttReasons.disconnect(bad.category()), bad.code());
            return;
        }
        renewing = true;
        authenticate(new AuthRequest(session.principal(), normalize(token), transport, reportedGeo), (s, err) -> {
            renewing = false;
            if (closed || closing) {
                return;
            }
            if (err != null) {
                RejectionReason reason = reasonOf(err);
                disconnect(MqttReasons.disconnect(reason.category()), reason.code());
                return;
            }
            if (!s.principal().equals(session.principal()) || !s.tenant().equals(session.tenant())) {
                edge.audit.record("mqtt.renew.refused", "principal_changed", auditFields(clientId, session));
                disconnect(MqttDisconnectReasonCode.NOT_AUTHORIZED, "principal_changed");
                return;
            }
            session = s;
            acl = TopicAcl.of(s);
            state.retainAllowed(acl, edge.router); // the same re-check as a resume: what the new token forbids ends now
            edge.persistence.subscriptionsChanged(state);
            limiter = edge.rateLimits.forDevice(s.tenant(), s.principal(), edge.ratePlans.apply(s.ratePlan()));
            scheduleExpiry();
            edge.audit.record("mqtt.session.renewed", "ok", auditFields(clientId, s));
            onSuccess.run();
        });
    }

    private void scheduleExpiry() {
        if (expiryTimer >= 0) {
            edge.vertx.cancelTimer(expiryTimer);
        }
        long millis = Duration.between(edge.clock.instant(), session.expiresAt()).toMillis();
        expiryTimer = edge.vertx.setTimer(Math.max(1, millis), id -> {
            expiryTimer = -1;
            if (closed) {
                return;
            }
            if (session.isExpiredAt(edge.clock.instant())) {
                edge.audit.record("mqtt.session.closed", RejectionReason.EXPIRED.code(), auditFields(clientId, session));
                disconnect(MqttDisconnectReasonCode.MAXIMUM_CONNECT_TIME, RejectionReason.EXPIRED.code());
            } else {
                scheduleExpiry();
            }
        });
    }

    /** Called on any thread by revocation events: re-checks on this connection's event loop. */
    void recheckRevocation() {
        context.runOnContext(v -> {
            if (closed || closing || session == null) {
                return;
            }
            edge.revocationChecker.check(session.token()).ifPresent(reason -> {
                suppressWill = true; // a revoked principal's last words are not delivered
                edge.audit.record("mqtt.session.closed", reason.code(), auditFields(clientId, session));
                disconnect(MqttReasons.disconnect(reason.category()), reason.code());
            });
        });
    }

    void shutdown() {
        context.runOnContext(v -> disconnect(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN, "shutdown"));
    }

    /** Another connection took this session over; what becomes of the will is decided in {@link #onClose}. */
    private void takenOver() {
        disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, "session_taken_over");
    }

    /**
     * Ends the session. MQTT 5: DISCONNECT with the reason, then the connection stays open (reading and
     * ignoring everything) for {@link #DISCONNECT_GRACE_MILLIS} so the client reads the reason code
     * instead of a reset caused by our closing with its packets unread; the client normally closes first.
     */
    private void disconnect(MqttDisconnectReasonCode code, String reason) {
        if (closed || closing) {
            return;
        }
        closing = true;
        if (v5 && endpoint.isConnected()) {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reason));
            if (socket instanceof io.vertx.core.internal.net.NetSocketInternal internal) {
                internal.writeMessage(io.netty.handler.codec.mqtt.MqttMessageFactory.newMessage(
                        new io.netty.handler.codec.mqtt.MqttFixedHeader(io.netty.handler.codec.mqtt.MqttMessageType.DISCONNECT,
                                false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader(code.value(), p), null));
                if (paused) {
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

    // ---------------------------------------------------------------- close

    private void onClose() {
        if (closed) {
            return;
        }
        closed = true;
        if (expiryTimer >= 0) {
            edge.vertx.cancelTimer(expiryTimer);
        }
        if (pauseTimer >= 0) {
            edge.vertx.cancelTimer(pauseTimer);
        }
        if (slotKey != null) {
            edge.releaseSessionSlot(slotKey);
            slotKey = null;
        }
        if (!accepted) {
            return;
        }
        edge.live.remove(this);
        sessionGauge.decrementAndGet();
        // Will (MQTT 5 §3.1.2.5): published now, or held for its delay by the session's owner; a connection
        // whose session was taken over and resumed drops a delayed will (the client came back in time).
        boolean willDue = (!normalDisconnect || disconnectWithWill) && !suppressWill;
        long delay = 0;
        boolean owner;
        synchronized (state) {
            owner = state.owner == this;
            if (owner) {
                state.owner = null;
            }
            if (willDue) {
                long willDelay = willDelaySeconds();
                if (owner) {
                    delay = Math.min(willDelay, state.expirySeconds);
                    if (delay > 0) {
                        edge.delayWill(state, () -> context.runOnContext(v -> publishWill()), delay);
                    }
                } else if (resumedElsewhere && willDelay > 0) {
                    willDue = false;
                }
            }
        }
        if (willDue && delay == 0) {
            publishWill();
        }
        if (owner) {
            state.queue.detach();
            if (state.expirySeconds > 0) {
                edge.expireLater(state);
            } else {
                edge.destroy(state);
            }
        }
    }

    /** The will's Will Delay Interval in seconds (MQTT 5 only; 0 when absent). */
    private long willDelaySeconds() {
        MqttWill will = endpoint.will();
        if (!v5 || will == null || !will.isWillFlag()) {
            return 0;
        }
        Integer delay = intProperty(will.getWillProperties(), MqttProperties.WILL_DELAY_INTERVAL);
        return delay == null ? 0 : Integer.toUnsignedLong(delay);
    }

    private void publishWill() {
        MqttWill will = endpoint.will();
        if (will == null || !will.isWillFlag() || will.getWillTopic() == null) {
            return;
        }
        String topic = will.getWillTopic();
        if (topicError(topic, false) != null || !acl.mayPublish(topic) || session.isExpiredAt(edge.clock.instant())
                || edge.revocationChecker.check(session.token()).isPresent()) { // a delayed will is checked when due
            edge.metrics.drop("will_refused");
            return;
        }
        byte[] payload = will.getWillMessageBytes() == null ? new byte[0] : will.getWillMessageBytes();
        if (!limiter.tryAcquire(payload.length)) {
            edge.metrics.drop("rate_limited");
            return;
        }
        edge.router.publish(new RoutedMessage(session.tenant(), topic, payload, will.getWillQos(), will.isWillRetain(),
                userProperties(will.getWillProperties()), session.principal()));
    }

    // ---------------------------------------------------------------- helpers

    private byte[] passwordBytes() {
        if (endpoint.auth() == null || endpoint.auth().getPassword() == null) {
            return null;
        }
        return endpoint.auth().getPassword().getBytes(StandardCharsets.UTF_8);
    }

    /** Size and shape checks done before the pipeline sees anything. */
    private RejectionReason tokenShapeError(byte[] token) {
        if (token == null || token.length == 0) {
            return RejectionReason.MALFORMED;
        }
        if (token.length > limits.maxPasswordSize()) {
            return RejectionReason.OVERSIZED;
        }
        return null;
    }

    /** The verified TLS client certificate (leaf), or null. */
    private Certificate clientCertificate() {
        if (!endpoint.isSsl()) {
            return null;
        }
        try {
            Certificate[] chain = endpoint.sslSession().getPeerCertificates();
            return chain == null || chain.length == 0 ? null : chain[0];
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static String thumbprint(Certificate cert) {
        if (cert == null) {
            return null;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The peer's address: Netty's cached one where we can reach the channel (no copy per session). */
    private InetSocketAddress remoteAddress() {
        if (writer != null && writer.channelHandlerContext().channel().remoteAddress() instanceof InetSocketAddress a) {
            return a;
        }
        return inet(endpoint.remoteAddress());
    }

    private static InetSocketAddress inet(SocketAddress address) {
        if (address == null || address.hostAddress() == null) {
            return null;
        }
        return new InetSocketAddress(address.hostAddress(), address.port());
    }

    private static RejectionReason reasonOf(Throwable err) {
        Throwable t = unwrap(err);
        return t instanceof TokenRejectedException tre ? tre.reason() : RejectionReason.INTERNAL_ERROR;
    }

    private static Throwable unwrap(Throwable err) {
        Throwable t = err;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private Map<String, Object> auditFields(String id, DeviceSession s) {
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
