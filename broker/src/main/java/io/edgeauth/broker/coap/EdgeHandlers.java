package io.edgeauth.broker.coap;

import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.AuthPipeline;
import io.edgeauth.broker.auth.AuthRequest;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.revocation.RevocationEvents;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenRejectedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.EmptyMessage;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the CoAP resources do: token upload, telemetry, command Observe, session and Observe bookkeeping,
 * revocation and expiry. Resources are thin shells around these methods. Thread-safe.
 */
final class EdgeHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeHandlers.class);

    private final CoapSettings settings;
    private final AuthPipeline pipeline;
    private final RevocationEvents revocationEvents;
    private final RevocationChecker revocationChecker;
    private final RateLimits rateLimits;
    private final Function<String, RatePlan> ratePlans;
    private final PublishGate publishGate;
    private final CoapMessaging messaging;
    private final AuditLog audit;
    private final MeterRegistry meters;
    private final Clock clock;
    private final CoapSessions sessions;
    private final Map<ObserveRelation, Watch> watches = new ConcurrentHashMap<>();
    /** The same watches by peer key, so ending a session touches only its own relations. */
    private final Map<String, Set<Watch>> watchesByPeer = new ConcurrentHashMap<>();
    private final Timer authzLatency;
    /** By {@link ResponseCode#ordinal()}: a plain array read per response instead of a map lookup. */
    private final Counter[] responseCounters = new Counter[ResponseCode.values().length];
    private final AtomicBoolean recheckPending = new AtomicBoolean();
    private ScheduledExecutorService sweeper;
    private AutoCloseable revocationSubscription;

    /** One Observe relation on {@code /d/{id}/down}: its router subscription and the latest command. */
    static final class Watch {
        final String peerKey;
        final String tenant;
        final String topic;
        final DeviceResources.Down resource;
        final ObserveRelation relation;
        volatile byte[] latest = new byte[0];
        volatile AutoCloseable subscription;

        Watch(String peerKey, String tenant, String topic, DeviceResources.Down resource, ObserveRelation relation) {
            this.peerKey = peerKey;
            this.tenant = tenant;
            this.topic = topic;
            this.resource = resource;
            this.relation = relation;
        }
    }

    EdgeHandlers(CoapSettings settings, AuthPipeline pipeline, RevocationEvents revocationEvents,
                 RevocationChecker revocationChecker, RateLimits rateLimits, Function<String, RatePlan> ratePlans,
                 GeoPolicy geo, CoapMessaging messaging, AuditLog audit, MeterRegistry meters, Clock clock) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.revocationEvents = revocationEvents;
        this.revocationChecker = revocationChecker;
        this.rateLimits = rateLimits;
        this.ratePlans = ratePlans;
        this.publishGate = new PublishGate(geo);
        this.messaging = messaging;
        this.audit = audit;
        this.meters = meters;
        this.clock = clock;
        this.sessions = new CoapSessions(settings.maxSessions(), clock, this::sessionDropped);
        this.authzLatency = Timer.builder("edgeauth.coap.authz.latency")
                .description("token upload to /authz-info: authentication pipeline and binding")
                .publishPercentileHistogram().register(meters);
        meters.gauge("edgeauth.coap.sessions", sessions, CoapSessions::size);
        meters.gauge("edgeauth.coap.observers", watches, Map::size);
    }

    CoapSessions sessions() {
        return sessions;
    }

    int watchCount() {
        return watches.size();
    }

    synchronized void start() {
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coap-edge-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(10, settings.sweepInterval().toMillis());
        sweeper.scheduleWithFixedDelay(this::sweepWatches, every, every, TimeUnit.MILLISECONDS);
        revocationSubscription = revocationEvents.subscribe(this::onRevocation);
    }

    synchronized void stop() {
        if (revocationSubscription != null) {
            closeQuietly(revocationSubscription);
            revocationSubscription = null;
        }
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
        for (Watch w : watches.values()) {
            closeQuietly(w.subscription);
        }
        watches.clear();
        watchesByPeer.clear();
    }

    // ---- /authz-info -------------------------------------------------------------------------------------

    void authzInfo(CoapExchange exchange) {
        long start = System.nanoTime();
        Request request = exchange.advanced().getRequest();
        byte[] payload = request.getPayload();
        String peerKey = PeerIdentity.keyOf(request.getSourceContext());
        TransportFacts facts;
        byte[] token;
        try {
            facts = PeerIdentity.factsOf(request.getSourceContext());
            token = tokenOf(payload, request.getOptions().getContentFormat());
        } catch (TokenRejectedException e) {
            refuseUpload(exchange, peerKey, e.reason(), e.getMessage(), start);
            return;
        }
        String reportedGeo = geoOf(request);
        CompletionStage<DeviceSession> result;
        try {
            result = pipeline.authenticate(new AuthRequest(null, token, facts, reportedGeo));
        } catch (RuntimeException e) {
            LOG.warn("authentication pipeline threw", e);
            refuseUpload(exchange, peerKey, RejectionReason.INTERNAL_ERROR, "authentication failed internally", start);
            return;
        }
        if (!result.toCompletableFuture().isDone()) {
            exchange.accept(); // separate response (RFC 7252 §5.2.2) if the pipeline goes asynchronous
        }
        result.whenComplete((session, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof TokenRejectedException t) {
                    refuseUpload(exchange, peerKey, t.reason(), t.getMessage(), start);
                } else {
                    LOG.warn("authentication failed internally", cause);
                    refuseUpload(exchange, peerKey, RejectionReason.ofFailure(cause), "authentication failed internally",
                            start);
                }
                return;
            }
            if (!session.expiresAt().isAfter(clock.instant())) {
                // the pipeline's one clock says the token is over (exp + leeway): a session bound now would be dead
                auditRefusal("/authz-info", peerKey, null, RejectionReason.EXPIRED, "token already expired");
                refuseUpload(exchange, peerKey, RejectionReason.EXPIRED, "token expired", start);
                return;
            }
            try {
                RatePlan plan = ratePlans.apply(session.ratePlan());
                RateLimiter limiter = rateLimits.forDevice(session.tenant(), session.principal(),
                        plan == null ? RatePlan.defaultPlan() : plan);
                sessions.bind(peerKey, new CoapSessions.Bound(session, TopicAcl.of(session), limiter));
            } catch (RuntimeException e) {
                LOG.warn("binding a CoAP session failed", e);
                refuseUpload(exchange, peerKey, RejectionReason.INTERNAL_ERROR, "session could not be bound", start);
                return;
            }
            authzLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            meters.counter("edgeauth.coap.authz", "outcome", "ok").increment();
            exchange.respond(ResponseCode.CREATED);
        });
    }

    /**
     * The token in an {@code /authz-info} payload: the raw bytes (application/cwt, a JWT as text, or no
     * Content-Format), or for application/ace+cbor a CBOR byte string or map {1 (access_token): bstr}.
     * Size is checked before any parsing.
     */
    byte[] tokenOf(byte[] payload, int contentFormat) throws TokenRejectedException {
        if (payload == null || payload.length == 0) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "empty payload: POST the access token");
        }
        if (payload.length > settings.maxTokenBytes()) {
            throw new TokenRejectedException(RejectionReason.OVERSIZED,
                    "token larger than " + settings.maxTokenBytes() + " bytes");
        }
        if (contentFormat != MediaTypeRegistry.APPLICATION_ACE_CBOR) {
            return payload;
        }
        try {
            CBORObject o = CBORObject.DecodeFromBytes(payload);
            if (o.getType() == CBORType.ByteString) {
                return o.GetByteString();
            }
            if (o.getType() == CBORType.Map) {
                CBORObject t = o.get(CBORObject.FromObject(1));
                if (t != null && t.getType() == CBORType.ByteString) {
                    return t.GetByteString();
                }
                if (t != null && t.getType() == CBORType.TextString) {
                    return t.AsString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                }
            }
            throw new TokenRejectedException(RejectionReason.MALFORMED,
                    "application/ace+cbor payload must be a byte string or a map with access_token (1)");
        } catch (CBORException | IllegalStateException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "payload is not valid CBOR");
        }
    }

    private void refuseUpload(CoapExchange exchange, String peerKey, RejectionReason reason, String detail,
                              long start) {
        authzLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        meters.counter("edgeauth.coap.authz", "outcome", reason.code()).increment();
        // the pipeline audits every attempt it sees; refusals before it (size, CBOR) are audited here
        if (reason == RejectionReason.MALFORMED || reason == RejectionReason.OVERSIZED) {
            auditRefusal("/authz-info", peerKey, null, reason, detail);
        }
        exchange.respond(CoapCodes.refusal(reason, detail, CoapCodes.Where.AUTHZ_INFO, 0));
    }

    // ---- /token (ACE, RFC 9200 §5.8) -------------------------------------------------------------------------

    /** ACE parameter abbreviations (RFC 9200 Figure 12) used by {@code /token}. */
    static final int ACE_ACCESS_TOKEN = 1;
    static final int ACE_EXPIRES_IN = 2;
    static final int ACE_AUDIENCE = 5;
    static final int ACE_SCOPE = 9;
    static final int ACE_CLIENT_ID = 24;
    static final int ACE_GRANT_TYPE = 33;
    static final int ACE_PROFILE = 38;
    /** grant_type abbreviation of client_credentials (RFC 9200 Figure 11). */
    static final int GRANT_CLIENT_CREDENTIALS = 2;
    /** ace_profile coap_dtls (RFC 9202). */
    static final int PROFILE_COAP_DTLS = 1;

    void token(CoapExchange exchange, CoapTokenIssuer issuer) {
        Request request = exchange.advanced().getRequest();
        String peerKey = PeerIdentity.keyOf(request.getSourceContext());
        CoapTokenIssuer.Request tokenRequest;
        try {
            tokenRequest = tokenRequestOf(request.getPayload(), PeerIdentity.factsOf(request.getSourceContext()));
        } catch (TokenRejectedException e) {
            refuseToken(exchange, peerKey, e.reason(), e.getMessage());
            return;
        }
        CompletionStage<CoapTokenIssuer.Issued> result;
        try {
            result = issuer.issue(tokenRequest);
        } catch (RuntimeException e) {
            LOG.warn("token issuer threw", e);
            refuseToken(exchange, peerKey, RejectionReason.INTERNAL_ERROR, "token could not be issued");
            return;
        }
        if (!result.toCompletableFuture().isDone()) {
            exchange.accept();
        }
        result.whenComplete((issued, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof TokenRejectedException t) {
                    refuseToken(exchange, peerKey, t.reason(), t.getMessage());
                } else {
                    LOG.warn("token issuer failed", cause);
                    refuseToken(exchange, peerKey, RejectionReason.ofFailure(cause), "token could not be issued");
                }
                return;
            }
            CBORObject body = CBORObject.NewMap()
                    .Add(ACE_ACCESS_TOKEN, issued.accessToken())
                    .Add(ACE_EXPIRES_IN, issued.expiresInSeconds())
                    .Add(ACE_PROFILE, PROFILE_COAP_DTLS);
            if (issued.scope() != null) {
                body.Add(ACE_SCOPE, issued.scope());
            }
            meters.counter("edgeauth.coap.token", "outcome", "ok").increment();
            exchange.respond(ResponseCode.CREATED, body.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR);
        });
    }

    /**
     * Parses {@code {33 (grant_type): 2 | "client_credentials", "client_assertion_type": tstr,
     * "client_assertion": tstr / bstr, ? 9 (scope): tstr, ? 5 (audience): tstr, ? "token_format": tstr}}; over
     * DTLS with a client certificate, {@code 24 (client_id): tstr} may stand in for the assertion.
     */
    CoapTokenIssuer.Request tokenRequestOf(byte[] payload, TransportFacts facts) throws TokenRejectedException {
        if (payload == null || payload.length == 0) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "empty token request");
        }
        if (payload.length > 2 * settings.maxTokenBytes()) {
            throw new TokenRejectedException(RejectionReason.OVERSIZED, "token request too large");
        }
        CBORObject m;
        try {
            m = CBORObject.DecodeFromBytes(payload);
        } catch (CBORException | IllegalStateException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "token request is not valid CBOR");
        }
        if (m.getType() != CBORType.Map) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "token request must be a CBOR map");
        }
        CBORObject grant = m.get(CBORObject.FromObject(ACE_GRANT_TYPE));
        // exactly the untagged integer 2 or the text: a bignum, float or NaN is no grant (and must not throw)
        boolean clientCredentials = grant != null && !grant.isTagged()
                && (grant.getType() == CBORType.Integer && grant.CanValueFitInInt32()
                        && grant.AsInt32Value() == GRANT_CLIENT_CREDENTIALS
                || grant.getType() == CBORType.TextString && grant.AsString().equals("client_credentials"));
        if (!clientCredentials) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "grant_type must be client_credentials");
        }
        CBORObject assertion = m.get("client_assertion");
        String clientId = text(m.get(CBORObject.FromObject(ACE_CLIENT_ID)));
        byte[] assertionBytes;
        if (assertion == null && clientId != null && facts.clientCertThumbprint() != null) {
            assertionBytes = new byte[0]; // the DTLS client certificate authenticates the client (RFC 9202)
        } else if (assertion == null || (assertion.getType() != CBORType.TextString
                && assertion.getType() != CBORType.ByteString)) {
            throw new TokenRejectedException(RejectionReason.MALFORMED,
                    "client_assertion missing (or client_id over DTLS with a client certificate)");
        } else {
            assertionBytes = assertion.getType() == CBORType.ByteString ? assertion.GetByteString()
                    : assertion.AsString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        return new CoapTokenIssuer.Request("client_credentials", text(m.get("client_assertion_type")), assertionBytes,
                text(m.get(CBORObject.FromObject(ACE_SCOPE))), text(m.get(CBORObject.FromObject(ACE_AUDIENCE))),
                text(m.get("token_format")) == null ? "cwt" : text(m.get("token_format")), facts, clientId);
    }

    private static String text(CBORObject o) {
        return o != null && o.getType() == CBORType.TextString ? o.AsString() : null;
    }

    private void refuseToken(CoapExchange exchange, String peerKey, RejectionReason reason, String detail) {
        meters.counter("edgeauth.coap.token", "outcome", reason.code()).increment();
        auditRefusal("/token", peerKey, null, reason, detail);
        exchange.respond(CoapCodes.refusal(reason, detail, CoapCodes.Where.AUTHZ_INFO, 0));
    }

    // ---- /d/{id}/up/{path...} ------------------------------------------------------------------------------

    /** The last {@code geo=} Uri-Query value, or null; most requests have no query, so that case is checked first. */
    static String geoOf(Request request) {
        if (request.getOptions().getURIQueryCount() == 0) {
            return null;
        }
        String geo = null;
        for (String q : request.getOptions().getUriQuery()) {
            if (q.startsWith("geo=")) {
                geo = q.substring(4);
            }
        }
        return geo;
    }

    void telemetry(CoapExchange exchange, String deviceId, String topic) {
        Request request = exchange.advanced().getRequest();
        String peerKey = PeerIdentity.keyOf(request.getSourceContext());
        CoapSessions.Bound b = sessions.current(peerKey);
        if (b == null) {
            refuse(exchange, "up", peerKey, null, RejectionReason.EXPIRED,
                    "no valid token for this peer: POST one to /authz-info", 0);
            return;
        }
        if (topic == null) {
            refuse(exchange, "up", peerKey, b, RejectionReason.MALFORMED, "bad topic path", 0);
            return;
        }
        String location = geoOf(request);
        byte[] payload = request.getPayload();
        PublishGate.Refusal refusal = publishGate.check(b.acl(), b.limiter(), b.session().token().geo(), topic,
                payload.length, location);
        if (refusal != null) {
            long retry = refusal.reason() == RejectionReason.RATE_LIMITED ? b.limiter().secondsUntilAvailable() : 0;
            refuse(exchange, "up", peerKey, b, refusal.reason(), refusal.detail(), retry);
            return;
        }
        try {
            messaging.publish(b.session().tenant(), topic, payload, location);
        } catch (RuntimeException e) {
            LOG.warn("publish of CoAP telemetry failed", e);
            refuse(exchange, "up", peerKey, b, RejectionReason.INTERNAL_ERROR, "message could not be routed", 0);
            return;
        }
        exchange.respond(ResponseCode.CHANGED);
    }

    // ---- /d/{id}/down with Observe -------------------------------------------------------------------------

    void commands(CoapExchange exchange, String deviceId, DeviceResources.Down resource) {
        Request request = exchange.advanced().getRequest();
        String peerKey = PeerIdentity.keyOf(request.getSourceContext());
        ObserveRelation relation = exchange.advanced().getRelation();
        Watch existing = relation == null ? null : watches.get(relation);
        CoapSessions.Bound b = sessions.current(peerKey);
        String topic = "d/" + deviceId + "/down";
        if (b == null) {
            refuse(exchange, "down", peerKey, null, RejectionReason.EXPIRED,
                    "no valid token for this peer: POST one to /authz-info", 0);
            return;
        }
        if (!b.acl().maySubscribe(topic)) {
            refuse(exchange, "down", peerKey, b, RejectionReason.FORBIDDEN, "may not subscribe to " + topic, 0);
            return;
        }
        if (existing != null) { // a notification: re-checked above, now send the latest command
            if (!existing.tenant.equals(b.session().tenant())) {
                refuse(exchange, "down", peerKey, b, RejectionReason.WRONG_TENANT, "token changed tenant", 0);
                return;
            }
            exchange.respond(ResponseCode.CONTENT, existing.latest, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
            return;
        }
        if (relation != null && relation.isEstablished()) { // established but its watch is gone: end it
            refuse(exchange, "down", peerKey, b, RejectionReason.EXPIRED, "observation ended, register again", 0);
            return;
        }
        if (relation != null && !relation.isCanceled()) { // a registration
            Watch w = new Watch(peerKey, b.session().tenant(), topic, resource, relation);
            watches.put(relation, w);
            watchesByPeer.computeIfAbsent(peerKey, k -> ConcurrentHashMap.newKeySet()).add(w);
            try {
                // the whole subtree, as an MQTT device's d/{id}/down/# (which matches d/{id}/down itself too)
                w.subscription = messaging.subscribe(w.tenant, topic + "/#", command -> {
                    w.latest = command;
                    w.resource.changed(r -> r == w.relation);
                });
            } catch (RuntimeException e) {
                relationRemoved(relation);
                LOG.warn("router subscription for CoAP Observe failed", e);
                refuse(exchange, "down", peerKey, b, RejectionReason.INTERNAL_ERROR, "subscription failed", 0);
                return;
            }
        }
        exchange.respond(ResponseCode.CONTENT, new byte[0], MediaTypeRegistry.APPLICATION_OCTET_STREAM);
    }

    /** Called by the resource when Californium removes a relation (client cancel, RST, timeout, our 4.01). */
    void relationRemoved(ObserveRelation relation) {
        Watch w = watches.remove(relation);
        if (w != null) {
            watchesByPeer.computeIfPresent(w.peerKey, (k, set) -> {
                set.remove(w);
                return set.isEmpty() ? null : set;
            });
            closeQuietly(w.subscription);
        }
    }

    /** Cancels every Observe relation of a peer with a 4.01 notification. */
    void cancelWatches(String peerKey, String why) {
        Set<Watch> own = watchesByPeer.get(peerKey);
        if (own == null) {
            return;
        }
        for (Watch w : List.copyOf(own)) {
            cancel(w, why);
        }
    }

    private void cancel(Watch w, String why) {
        LOG.debug("cancelling Observe of {} on {}: {}", w.peerKey, w.topic, why);
        try {
            w.resource.clearAndNotifyObserveRelations(r -> r == w.relation, ResponseCode.UNAUTHORIZED);
        } finally {
            relationRemoved(w.relation);
        }
    }

    /** Periodic: relations whose session expired, was dropped or no longer allows the topic are cancelled. */
    void sweepWatches() {
        try {
            java.time.Instant now = clock.instant();
            for (Watch w : watches.values()) {
                CoapSessions.Bound b = sessions.peek(w.peerKey);
                if (b == null || b.expiredAt(now)) {
                    if (b != null) {
                        sessions.drop(w.peerKey, b);
                    }
                    cancel(w, "token expired");
                } else if (!b.session().tenant().equals(w.tenant) || !b.acl().maySubscribe(w.topic)) {
                    cancel(w, "token no longer allows " + w.topic);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Observe sweep failed", e);
        }
    }

    // ---- revocation --------------------------------------------------------------------------------------

    private void onRevocation(Revocation revocation) {
        ScheduledExecutorService s = sweeper;
        if (s != null && recheckPending.compareAndSet(false, true)) {
            s.execute(this::recheckRevocations); // coalesces bursts; listener must not block
        }
    }

    /** Re-checks every bound session with the revocation checker; drops revoked ones and their relations. */
    void recheckRevocations() {
        recheckPending.set(false);
        int dropped = 0;
        for (Map.Entry<String, CoapSessions.Bound> e : sessions.view().entrySet()) {
            CoapSessions.Bound b = e.getValue();
            Optional<RejectionReason> revoked = revocationChecker.check(b.session().token());
            if (revoked.isPresent()) {
                sessions.drop(e.getKey(), b); // removal listener cancels the relations
                cancelWatches(e.getKey(), "token revoked");
                auditRefusal("session", e.getKey(), b, revoked.get(), "session dropped: token revoked");
                dropped++;
            }
        }
        if (dropped > 0) {
            meters.counter("edgeauth.coap.sessions.revoked").increment(dropped);
        }
    }

    private void sessionDropped(String peerKey, CoapSessions.Bound bound) {
        cancelWatches(peerKey, "session ended");
    }

    // ---- refusals, metrics ---------------------------------------------------------------------------------

    private void refuse(CoapExchange exchange, String resource, String peerKey, CoapSessions.Bound b,
                        RejectionReason reason, String detail, long retryAfter) {
        if (reason != RejectionReason.RATE_LIMITED) { // rate refusals are counted, not audited one by one
            auditRefusal(resource, peerKey, b, reason, detail);
        }
        meters.counter("edgeauth.coap.refusals", "resource", resource, "reason", reason.code()).increment();
        exchange.respond(CoapCodes.refusal(reason, detail, CoapCodes.Where.RESOURCE, retryAfter));
    }

    private void auditRefusal(String resource, String peerKey, CoapSessions.Bound b, RejectionReason reason,
                              String detail) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("protocol", "coap");
        fields.put("resource", resource);
        fields.put("peer", peerKey);
        if (b != null) {
            fields.put("principal", b.session().principal());
            fields.put("tenant", b.session().tenant());
            fields.put("token", b.session().token().fingerprint());
        }
        fields.put("detail", detail);
        audit.record("coap.refused", reason.code(), fields);
    }

    MessageInterceptorAdapter responseCounter() {
        return new MessageInterceptorAdapter() {
            @Override
            public void sendResponse(Response response) {
                ResponseCode code = response.getCode();
                Counter counter = responseCounters[code.ordinal()];
                if (counter == null) { // a benign race: Micrometer returns the same registered counter
                    counter = Counter.builder("edgeauth.coap.responses")
                            .description("CoAP responses sent, by response code").tag("code", code.text)
                            .register(meters);
                    responseCounters[code.ordinal()] = counter;
                }
                counter.increment();
            }

            @Override
            public void sendEmptyMessage(EmptyMessage message) {
                // ACK/RST are not responses
            }
        };
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed", e);
        }
    }
}
