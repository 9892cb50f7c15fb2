package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.MqttFields.binaryProperty;
import static io.edgeauth.broker.mqtt.MqttFields.intProperty;
import static io.edgeauth.broker.mqtt.MqttFields.normalize;
import static io.edgeauth.broker.mqtt.MqttFields.stringProperty;
import static io.edgeauth.broker.mqtt.MqttFields.userProperty;

import io.edgeauth.broker.auth.AuthRequest;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.KeyThumbprints;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.refusal.RefusalCategory;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CONNECT and the token's life on one {@link MqttConnection}: reads the credentials (password or MQTT 5
 * enhanced authentication), checks their size, runs the {@code AuthPipeline} off the event loop and brings
 * the answer back onto it, accepts (CONNACK) or refuses; then renews the session with fresh tokens (AUTH or
 * the renewal topic), ends it when the token expires and re-checks revocations.
 */
final class MqttAuthentication {
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final Certificate[] NO_CHAIN = new Certificate[0];

    private final MqttConnection c;
    private boolean enhancedAuth;
    /** The CONNECT's user name (null or empty: none); the device id or the principal when present. */
    private String userName;
    private boolean renewing;

    MqttAuthentication(MqttConnection c) {
        this.c = c;
    }

    void start() {
        Certificate[] chain = peerChain();
        Certificate clientCert = chain.length == 0 ? null : chain[0];
        String certificateRefusal = c.edge.clientCertificateRefusal(chain);
        c.transport = new TransportFacts(c.protocol, remoteAddress(), KeyThumbprints.certificate(clientCert), c.endpoint.isSsl(), null, null,
                clientCert == null ? null : KeyThumbprints.ofOrNull(clientCert.getPublicKey()));
        MqttProperties props = c.endpoint.connectProperties();
        c.reportedGeo = userProperty(props, "geo");
        String requestedId = c.endpoint.clientIdentifier();
        if (certificateRefusal != null) {
            // a session resumed from before a trust store or CRL reload skipped the handshake's check
            refuseAtEdge(certificateRefusal, MqttReasons.connack(RefusalCategory.NOT_AUTHORIZED,
                    c.endpoint.protocolVersion()));
            return;
        }
        if (requestedId != null && requestedId.length() > c.limits.maxClientIdLength()) {
            refuseAtEdge("client_id_too_long", MqttReasons.badClientId(c.endpoint.protocolVersion()));
            return;
        }
        if (!c.v5 && c.endpoint.password() != null && c.endpoint.username() == null) {
            // MQTT 3.1.1 §3.1.2.9: no password without a user name (MQTT 5 allows it); a CONNACK says why
            refuseAtEdge("password_without_username", MqttReasons.connack(RefusalCategory.BAD_CREDENTIALS,
                    c.endpoint.protocolVersion()));
            return;
        }
        if (c.endpoint.will() != null && c.inbound.topicError(c.endpoint.will().topic(), false) != null) {
            // a will topic is a topic name [MQTT-4.7.0-1]: MQTT 5 says so (0x90), MQTT 3.1.1 closes (§3.1.4)
            refuseAtEdge("will_topic_invalid", MqttReasons.willTopicInvalid(c.endpoint.protocolVersion()));
            return;
        }
        byte[] token;
        String method = stringProperty(props, MqttProperties.AUTHENTICATION_METHOD);
        if (method != null) {
            if (!MqttEdge.AUTH_METHOD.equals(method)) {
                refuseAtEdge("bad_authentication_method", MqttReasons.badAuthMethod(c.endpoint.protocolVersion()));
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
            refuseAtEdge(bad.code(), MqttReasons.connack(bad.category(), c.endpoint.protocolVersion()));
            return;
        }
        String username = c.endpoint.username();
        userName = username;
        String claimed = requestedId != null && !requestedId.isEmpty() ? requestedId
                : username != null && !username.isEmpty() ? username : null;
        AuthRequest request = new AuthRequest(claimed, normalize(token), c.transport, c.reportedGeo);
        // the token is read: the connection need not keep it for its life
        c.endpoint.forgetCredentials();
        if (props != null && props.getProperty(MqttProperties.AUTHENTICATION_DATA) != null) {
            // Netty's properties have no remove: an empty value replaces the token's bytes
            props.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, new byte[0]));
        }
        java.util.Optional<io.edgeauth.broker.admission.AdmissionControl.Permit> permit = c.edge.admission.tryAdmit("mqtt");
        if (permit.isEmpty()) { // load shedding: a retryable refusal before any work, neither audited nor charged
            c.edge.metrics.refused(RejectionReason.SERVER_BUSY.code());
            reject(MqttReasons.connack(RejectionReason.SERVER_BUSY.category(), c.endpoint.protocolVersion()),
                    RejectionReason.SERVER_BUSY.code());
            return;
        }
        Timer.Sample sample = Timer.start();
        authenticate(request, (s, err) -> {
            permit.get().close();
            sample.stop(c.edge.metrics.authLatency());
            if (err != null) {
                refuse(err);
                return;
            }
            try {
                onAuthenticated(s);
            } catch (RuntimeException e) {
                LOG.error("accepting an authenticated MQTT session failed", e);
                if (c.accepted) {
                    c.endpoint.close();
                } else {
                    refuse(e);
                }
            }
        });
    }

    private void authenticate(AuthRequest request, java.util.function.BiConsumer<DeviceSession, Throwable> then) {
        CompletionStage<DeviceSession> stage;
        try {
            stage = c.edge.pipeline.authenticate(request);
        } catch (RuntimeException e) {
            then.accept(null, e);
            return;
        }
        stage.whenComplete((s, err) -> c.executor.execute(() -> then.accept(s, err)));
    }

    private void refuse(Throwable err) {
        RejectionReason reason = reasonOf(err);
        if (reason == RejectionReason.INTERNAL_ERROR) {
            LOG.warn("authentication failed on the server side", unwrap(err));
        }
        c.edge.metrics.refused(reason.code());
        if (!c.closed) {
            reject(MqttReasons.connack(reason.category(), c.endpoint.protocolVersion()), reason.code());
        }
    }

    /** A refusal decided by the edge before the pipeline: audited and charged to the connect guard here. */
    private void refuseAtEdge(String reason, MqttConnectReturnCode code) {
        c.edge.metrics.refused(reason);
        InetSocketAddress remote = c.transport.remoteAddress();
        // nothing is authenticated yet: the source pays, never the client id it claims
        c.edge.rateLimits.recordFailedConnect(null, remote == null ? null : remote.getAddress());
        c.edge.audit.record("mqtt.connect.refused", reason,
                c.auditFields(io.edgeauth.broker.refusal.ClientText.audited(c.endpoint.clientIdentifier()), null));
        reject(code, reason);
    }

    /** Answers a refused CONNECT with {@code code}; null: closes without a CONNACK (MQTT 3.1.1 §3.1.4's malformed). */
    private void reject(MqttConnectReturnCode code, String reason) {
        if (code == null) {
            c.endpoint.close();
            return;
        }
        MqttProperties p = MqttProperties.NO_PROPERTIES;
        if (c.v5 && ClientPacketLimit.reasonStringFits(ClientPacketLimit.of(c.endpoint.connectProperties()), 2, reason)) {
            p = new MqttProperties(); // a reason string over the client's Maximum Packet Size is left out, §3.1.2.11.4
            p.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reason));
        }
        c.endpoint.reject(code, p);
    }

    private void onAuthenticated(DeviceSession s) {
        if (c.closed) {
            return;
        }
        if (s.isExpiredAt(c.edge.clock.instant())) { // the pipeline's validity (exp + its leeway), on its clock
            refuse(new TokenRejectedException(RejectionReason.EXPIRED, "token expired"));
            return;
        }
        // contract: the principal's id (or the client id the pipeline checked as its own: <id>#<suffix>) or empty
        String named = userName;
        userName = null; // a live session keeps nothing of its CONNECT's credentials
        if (named != null && !named.isEmpty() && !named.equals(s.principal())
                && !named.equals(c.endpoint.clientIdentifier())) {
            refuse(new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, "the user name is not the token's subject"));
            return;
        }
        c.session = s;
        c.acl = s.topicAcl();
        c.limiter = c.edge.rateLimits.forDevice(s.tenant(), s.principal(), c.edge.ratePlans.apply(s.ratePlan()));
        String requestedId = c.endpoint.clientIdentifier();
        boolean assigned = requestedId == null || requestedId.isEmpty();
        c.clientId = assigned ? MqttSessionState.assignedClientId(s) : requestedId;
        long expirySeconds = sessionExpirySeconds();
        c.sessions.bindAnywhere(s, expirySeconds, (present, refused) -> {
            if (refused != null) {
                refuse(refused);
            } else if (!c.closed) {
                onBound(s, assigned, expirySeconds, present);
            }
        });
    }

    private void onBound(DeviceSession s, boolean assigned, long expirySeconds, boolean present) {
        c.acks = new DurableAcks(c.edge.persistence.journal(), c.executor);
        c.accepted = true;
        c.endpoint.accept(present, connackProperties(assigned, expirySeconds));
        c.delivery.attach(Math.min(c.limits.receiveMaximum(), clientReceiveMaximum()));
        c.sessionGauge = c.edge.metrics.sessions(s.tenant(), c.protocol.label());
        c.sessionGauge.incrementAndGet();
        c.edge.metrics.accepted();
        c.edge.live.add(c);
        recheckRevocation(); // a revocation may have landed while authentication was pending
    }

    private MqttProperties connackProperties(boolean assignedId, long expirySeconds) {
        MqttProperties p = new MqttProperties();
        if (!c.v5) {
            return p;
        }
        p.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, c.limits.receiveMaximum()));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, c.limits.maxPacketSize()));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, 0));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0));
        Integer requested = intProperty(c.endpoint.connectProperties(), MqttProperties.SESSION_EXPIRY_INTERVAL);
        if (requested != null && requested != expirySeconds) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, (int) expirySeconds));
        }
        if (assignedId) {
            p.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, c.clientId));
        }
        if (enhancedAuth) {
            p.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, MqttEdge.AUTH_METHOD));
        }
        return p;
    }

    private long sessionExpirySeconds() {
        long max = c.edge.settings.maxSessionExpiry().toSeconds();
        if (c.v5) {
            Integer requested = intProperty(c.endpoint.connectProperties(), MqttProperties.SESSION_EXPIRY_INTERVAL);
            long value = requested == null ? 0 : Integer.toUnsignedLong(requested);
            return Math.min(value, max);
        }
        return c.endpoint.isCleanSession() ? 0 : max;
    }

    private int clientReceiveMaximum() {
        Integer value = intProperty(c.endpoint.connectProperties(), MqttProperties.RECEIVE_MAXIMUM);
        return value == null ? 65535 : value; // absent: 65535 (§3.1.2.11.3); 0 never gets here (the wire refuses it)
    }

    /** MQTT 5 AUTH: only re-authentication (0x19) with our method; any other reason code is a protocol error. */
    void onAuth(byte reasonCode, MqttProperties props) {
        if (c.closing) {
            return;
        }
        if (!enhancedAuth || reasonCode != MqttReasonCodes.Auth.REAUTHENTICATE.byteValue()
                || !MqttEdge.AUTH_METHOD.equals(stringProperty(props, MqttProperties.AUTHENTICATION_METHOD))) {
            c.disconnect(MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "bad_auth_packet");
            return;
        }
        byte[] token = binaryProperty(props, MqttProperties.AUTHENTICATION_DATA);
        renew(token, () -> {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, MqttEdge.AUTH_METHOD));
            c.endpoint.authenticationExchange(MqttReasonCodes.Auth.SUCCESS.byteValue(), p);
        });
    }

    /** Re-authenticates with a fresh token; the principal and tenant must stay the same. */
    void renew(byte[] token, Runnable onSuccess) {
        if (renewing) {
            c.disconnect(MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "renewal_in_progress");
            return;
        }
        RejectionReason bad = tokenShapeError(token);
        if (bad != null) {
            c.edge.audit.record("mqtt.renew.refused", bad.code(), c.auditFields(c.clientId, c.session));
            c.disconnect(MqttReasons.disconnect(bad.category()), bad.code());
            return;
        }
        renewing = true;
        authenticate(new AuthRequest(c.session.principal(), normalize(token), c.transport, c.reportedGeo), (s, err) -> {
            renewing = false;
            if (c.closed || c.closing) {
                return;
            }
            if (err != null) {
                RejectionReason reason = reasonOf(err);
                c.disconnect(MqttReasons.disconnect(reason.category()), reason.code());
                return;
            }
            if (c.edge.rechecks.renewalRefusal(c.session, s).isPresent()) {
                c.edge.audit.record("mqtt.renew.refused", "principal_changed", c.auditFields(c.clientId, c.session));
                c.disconnect(MqttReasons.disconnect(RefusalCategory.NOT_AUTHORIZED), "principal_changed");
                return;
            }
            c.session = s;
            recheckRevocation(); // a revocation of the new token may have landed while it was being checked
            c.acl = s.topicAcl();
            c.state.retainAllowed(c.acl, c.edge.router); // the same re-check as a resume: what the new token forbids ends now
            c.edge.persistence.subscriptionsChanged(c.state);
            c.limiter = c.edge.rateLimits.forDevice(s.tenant(), s.principal(), c.edge.ratePlans.apply(s.ratePlan()));
            c.edge.audit.record("mqtt.session.renewed", "ok", c.auditFields(c.clientId, s));
            onSuccess.run();
        });
    }

    /**
     * Ends the session once its token has expired; called once a second on the connection's loop (the wire's
     * sweep: a timer per session would cost every idle connection a scheduled task). A renewal replaces
     * {@code c.session}, so the next check reads the new expiry.
     */
    void checkExpiry() {
        if (!c.accepted || c.closed || c.closing || c.session.expiresAt().toEpochMilli() > c.edge.clock.millis()) {
            return;
        }
        c.edge.audit.record("mqtt.session.closed", RejectionReason.EXPIRED.code(), c.auditFields(c.clientId, c.session));
        c.disconnect(MqttReasons.sessionExpired(), RejectionReason.EXPIRED.code());
    }

    /** Called on any thread by revocation events: re-checks on this connection's event loop. */
    void recheckRevocation() {
        c.executor.execute(() -> {
            if (c.closed || c.closing || c.session == null) {
                return;
            }
            c.edge.rechecks.endReason(c.session, c.edge.clock.instant()).ifPresent(reason -> {
                c.suppressWill = true; // a revoked principal's last words are not delivered
                c.edge.audit.record("mqtt.session.closed", reason.code(), c.auditFields(c.clientId, c.session));
                c.disconnect(reason == RejectionReason.EXPIRED ? MqttReasons.sessionExpired()
                        : MqttReasons.disconnect(reason.category()), reason.code());
            });
        });
    }

    /** The CONNECT password as sent: raw bytes (a JWT, a base64url CWT or a raw CWT), with or without a user name. */
    private byte[] passwordBytes() {
        return c.endpoint.password();
    }

    /** Size and shape checks done before the pipeline sees anything. */
    private RejectionReason tokenShapeError(byte[] token) {
        if (token == null || token.length == 0) {
            return RejectionReason.MALFORMED;
        }
        if (token.length > c.limits.maxPasswordSize()) {
            return RejectionReason.OVERSIZED;
        }
        return null;
    }

    /**
     * The TLS client's verified certificate chain, leaf first; empty without TLS or client certificate. A listener
     * that asks for none is not asked: Netty answers "no certificate" with an exception and its stack trace, which
     * was two per TLS connect on the event loop.
     */
    private Certificate[] peerChain() {
        MqttSettings.Tls tls = c.edge.settings.tls();
        if (!c.endpoint.isSsl() || tls == null || tls.clientAuth() == MqttSettings.ClientAuth.NONE) {
            return NO_CHAIN;
        }
        try {
            javax.net.ssl.SSLSession session = c.endpoint.sslSession();
            Certificate[] chain = session == null ? null : session.getPeerCertificates();
            return chain == null ? NO_CHAIN : chain;
        } catch (SSLPeerUnverifiedException e) {
            return NO_CHAIN;
        }
    }

    /** The peer's address: Netty's cached one (no copy per session). */
    private InetSocketAddress remoteAddress() {
        return c.endpoint.remoteAddress();
    }

    private static RejectionReason reasonOf(Throwable err) {
        Throwable t = unwrap(err);
        return t instanceof TokenRejectedException tre ? tre.reason() : RejectionReason.ofFailure(t);
    }

    private static Throwable unwrap(Throwable err) {
        Throwable t = err;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
