package io.edgeauth.broker.coap;

import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.admission.AdmissionControl;
import io.edgeauth.broker.auth.AuthPipeline;
import io.edgeauth.broker.auth.SessionRechecks;
import io.edgeauth.broker.auth.AuthRequest;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.PrincipalKind;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.revocation.RevocationEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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
    /** What a live binding may still do after a change: the judgement every edge shares. */
    private final SessionRechecks rechecks;
    private final RateLimits rateLimits;
    private final Function<String, RatePlan> ratePlans;
    private final GeoPolicy geo;
    private volatile PublishGate publishGate;
    private final CoapMessaging messaging;
    private final MeterRegistry meters;
    private final Clock clock;
    private final CoapSessions sessions;
    private final CoapObservations observations;
    /** Max-Age (s) of every Observe answer and notification: {@code coap.notificationMaxAge}. */
    private final long notificationMaxAge;
    private final AceTokenHandler tokens;
    private final DeferredAcks acks = new DeferredAcks(DeferredAcks.DELAY);
    private final CoapAudit refusals;
    private final Timer authzLatency;
    /** By {@link ResponseCode#ordinal()}: a plain array read per response instead of a map lookup. */
    private final Counter[] responseCounters = new Counter[ResponseCode.values().length];
    private final AtomicBoolean recheckPending = new AtomicBoolean();
    private ScheduledExecutorService sweeper;
    private AutoCloseable revocationSubscription;
    private volatile AdmissionControl admission = AdmissionControl.unlimited();

    EdgeHandlers(CoapSettings settings, AuthPipeline pipeline, RevocationEvents revocationEvents,
                 RevocationChecker revocationChecker, RateLimits rateLimits, Function<String, RatePlan> ratePlans,
                 GeoPolicy geo, CoapMessaging messaging, AuditLog audit, MeterRegistry meters, Clock clock) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.revocationEvents = revocationEvents;
        this.rechecks = new SessionRechecks(revocationChecker);
        this.rateLimits = rateLimits;
        this.ratePlans = ratePlans;
        this.geo = geo;
        this.publishGate = new PublishGate(geo);
        this.messaging = messaging;
        this.meters = meters;
        this.clock = clock;
        this.sessions = new CoapSessions(settings.maxSessions(), settings.maxPeersPerPrincipal(), clock,
                this::sessionDropped);
        Counter commandsDropped = Counter.builder("edgeauth.coap.commands.dropped")
                .description("commands to CoAP observers never acknowledged: " + ObservedCommands.CAPACITY
                        + " more waited for one Observe relation, or the device did not register again within"
                        + " coap.commandRetention, or did not fetch a large one's blocks within coap.blockwiseLifetime")
                .register(meters);
        this.notificationMaxAge = settings.notificationMaxAge().toSeconds();
        this.observations = new CoapObservations(messaging, sessions, clock, settings.maxObservationsPerPrincipal(),
                settings.commandRetention(), commandsDropped::increment, settings.blockwiseLifetime());
        this.refusals = new CoapAudit(audit);
        this.tokens = new AceTokenHandler(settings.maxTokenBytes(), meters, refusals, acks);
        this.authzLatency = Timer.builder("edgeauth.coap.authz.latency")
                .description("token upload to /authz-info: authentication pipeline and binding")
                .publishPercentileHistogram().register(meters);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.coap.sessions", sessions, CoapSessions::size)
                .description("CoAP peers holding an authorization (a token uploaded)").register(meters);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.coap.observers", observations, CoapObservations::count)
                .description("CoAP Observe relations on command resources").register(meters);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.coap.observers.parked", observations, CoapObservations::parkedCount)
                .description("Ended Observe relations whose commands wait for the device's next registration")
                .register(meters);
    }

    /** The audit of refusals (also of those before a resource: {@link BlockwiseAdmissionLayer}). */
    CoapAudit audit() { return refusals; }

    CoapSessions sessions() {
        return sessions;
    }

    int watchCount() {
        return observations.count();
    }

    CoapObservations observations() {
        return observations;
    }

    synchronized void start() {
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coap-edge-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(10, settings.sweepInterval().toMillis());
        sweeper.scheduleWithFixedDelay(observations::sweep, every, every, TimeUnit.MILLISECONDS);
        revocationSubscription = revocationEvents.subscribe(this::onRevocation);
    }

    synchronized void stop() {
        if (revocationSubscription != null) {
            CoapObservations.closeQuietly(revocationSubscription);
            revocationSubscription = null;
        }
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
        observations.clear();
        acks.close();
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
            refuseUpload(exchange, peerKey, e.reason(), e.getMessage(), e.retryAfterSeconds(), start);
            return;
        }
        String reportedGeo = geoOf(request);
        Optional<AdmissionControl.Permit> permit = admission.tryAdmit("coap");
        if (permit.isEmpty()) { // load shedding: 5.03 with Max-Age before any work
            refuseUpload(exchange, peerKey, RejectionReason.SERVER_BUSY, "server busy, retry later",
                    admission.retryAfterSeconds(), start);
            return;
        }
        CompletionStage<DeviceSession> result;
        try {
            result = pipeline.authenticate(new AuthRequest(null, token, facts, reportedGeo))
                    .whenComplete((s, e) -> permit.get().close());
        } catch (RuntimeException e) {
            permit.get().close();
            LOG.warn("authentication pipeline threw", e);
            refuseUpload(exchange, peerKey, RejectionReason.INTERNAL_ERROR, "authentication failed internally", 0, start);
            return;
        }
        acks.acknowledgeLater(exchange, result); // a separate response (RFC 7252 §5.2.2) if it takes a while
        result.whenComplete((session, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof TokenRejectedException t) {
                    refuseUpload(exchange, peerKey, t.reason(), t.getMessage(), t.retryAfterSeconds(), start);
                } else {
                    LOG.warn("authentication failed internally", cause);
                    refuseUpload(exchange, peerKey, RejectionReason.ofFailure(cause), "authentication failed internally",
                            0, start);
                }
                return;
            }
            CoapSessions.Bound bound; // what this upload binds; dropped again if its session ended meanwhile
            try {
                RatePlan plan = ratePlans.apply(session.ratePlan());
                RateLimiter limiter = rateLimits.forDevice(session.tenant(), session.principal(),
                        plan == null ? RatePlan.defaultPlan() : plan);
                bound = new CoapSessions.Bound(session, session.topicAcl(), limiter);
                sessions.bind(peerKey, bound);
            } catch (RuntimeException e) {
                LOG.warn("binding a CoAP session failed", e);
                refuseUpload(exchange, peerKey, RejectionReason.INTERNAL_ERROR, "session could not be bound", 0, start);
                return;
            }
            // checked once bound: a revocation during the pipeline swept the bindings before this one (tour V, V13)
            Optional<RejectionReason> ended = rechecks.endReason(session, clock.instant()); // or expired: exp + leeway
            if (ended.isPresent()) {
                sessions.drop(peerKey, bound);
                refusals.refused("/authz-info", peerKey, exchange.getSourceSocketAddress(), null, ended.get(), "token " + ended.get().code());
                refuseUpload(exchange, peerKey, ended.get(), "token " + ended.get().code(), 0, start);
                return;
            }
            authzLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            meters.counter("edgeauth.coap.authz", "outcome", "ok").increment();
            exchange.respond(ResponseCode.CREATED);
        });
    }

    /**
     * The token in an {@code /authz-info} payload: the raw bytes (application/cwt, a JWT as text, or no
     * Content-Format), or for application/ace+cbor a CBOR byte string or map {1 (access_token): bstr}; any other
     * Content-Format is refused.
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
        if (contentFormat == MediaTypeRegistry.UNDEFINED || contentFormat == MediaTypeRegistry.APPLICATION_CWT
                || contentFormat == MediaTypeRegistry.TEXT_PLAIN) {
            return payload;
        }
        if (contentFormat != MediaTypeRegistry.APPLICATION_ACE_CBOR) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "content-format " + contentFormat
                    + ": send application/cwt (61), a JWT as text/plain (0), or application/ace+cbor (19)");
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

    private void refuseUpload(CoapExchange exchange, String peerKey, RejectionReason reason, String detail, long retry, long start) {
        authzLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        meters.counter("edgeauth.coap.authz", "outcome", reason.code()).increment();
        // the pipeline audits every attempt it sees; refusals before it (size, CBOR) are audited here
        if (reason == RejectionReason.MALFORMED || reason == RejectionReason.OVERSIZED) {
            refusals.refused("/authz-info", peerKey, exchange.getSourceSocketAddress(), null, reason, detail);
        }
        exchange.respond(CoapCodes.refusal(reason, detail, CoapCodes.Where.AUTHZ_INFO, retry));
    }

    void token(CoapExchange exchange, CoapTokenIssuer issuer) {
        tokens.handle(exchange, issuer, admission);
    }

    /** The node's admission control for token uploads and {@code /token} (see {@link CoapEdge#admission}). */
    void admission(AdmissionControl control) {
        this.admission = control;
    }

    /** The node's admission control now (also its DTLS handshake limit: {@link DtlsHandshakeAdmission}). */
    AdmissionControl admission() {
        return admission;
    }

    // ---- /d/{id}/up/{path...} ------------------------------------------------------------------------------

    /** The last {@code geo=} Uri-Query value, or null; most requests have no query, so that case is checked first. */
    static String geoOf(Request request) {
        return queryValue(request, "geo=");
    }

    /** The last Uri-Query value with this prefix ({@code name=}), or null. */
    static String queryValue(Request request, String prefix) {
        if (request.getOptions().getURIQueryCount() == 0) {
            return null;
        }
        String value = null;
        for (String q : request.getOptions().getUriQuery()) {
            if (q.startsWith(prefix)) {
                value = q.substring(prefix.length());
            }
        }
        return value;
    }

    void payloadCheck(PublishGate.PayloadCheck check) {
        this.publishGate = new PublishGate(geo, check);
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
        String signature = queryValue(request, "sig=");
        byte[] payload = request.getPayload();
        DeviceSession s = b.session();
        PublishGate.Refusal refusal = publishGate.check(b.acl(), b.limiter(), s.token().geo(), topic,
                RouterCoapMessaging.forwardedSize(topic, payload, location, signature), location, s.tenant(), s.kind() == PrincipalKind.DEVICE ? s.principal() : null,
                payload, signature);
        if (refusal != null) {
            long retry = refusal.reason() == RejectionReason.RATE_LIMITED ? b.limiter().secondsUntilAvailable() : 0;
            refuse(exchange, "up", peerKey, b, refusal.reason(), refusal.detail(), retry);
            return;
        }
        java.util.concurrent.CompletableFuture<Void> stored;
        try {
            stored = messaging.publishDurably(b.session().tenant(), topic, payload, GeoPolicy.routed(location), signature);
        } catch (RuntimeException e) {
            LOG.warn("publish of CoAP telemetry failed", e);
            refuse(exchange, "up", peerKey, b, RejectionReason.INTERNAL_ERROR, "message could not be routed", 0);
            return;
        }
        // 2.04 only once the message is safe: in the session journal for persistent sessions here, and in the inbox
        // of every other node it goes to (like a PUBACK). It completes on the journal's or Redis' thread: hand back to
        // the exchange's; a retransmission meanwhile is absorbed by the deduplicator, which answers it with this one
        if (stored.isDone() && !stored.isCompletedExceptionally()) {
            exchange.respond(ResponseCode.CHANGED);
            return;
        }
        stored.whenComplete((ok, failure) -> exchange.advanced().execute(() -> {
            if (failure == null) {
                exchange.respond(ResponseCode.CHANGED);
            } else {
                refuse(exchange, "up", peerKey, b, RejectionReason.UNAVAILABLE,
                        "message could not be handed to another node; send it again", 1);
            }
        }));
    }

    // ---- /d/{id}/down with Observe -------------------------------------------------------------------------

    void commands(CoapExchange exchange, String deviceId, DeviceResources.Down resource) {
        Request request = exchange.advanced().getRequest();
        String peerKey = PeerIdentity.keyOf(request.getSourceContext());
        ObserveRelation relation = exchange.advanced().getRelation();
        CoapObservations.Watch existing = observations.of(relation);
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
        if (existing != null) { // a notification: re-checked above, now send the oldest command not acknowledged
            if (!existing.tenant.equals(b.session().tenant())) {
                refuse(exchange, "down", peerKey, b, RejectionReason.WRONG_TENANT, "token changed tenant", 0);
                return;
            }
            Response notification = existing.notification();
            notification.getOptions().setMaxAge(notificationMaxAge);
            exchange.respond(notification);
            return;
        }
        if (relation != null && relation.isEstablished()) { // established but its watch is gone: end it
            refuse(exchange, "down", peerKey, b, RejectionReason.EXPIRED, "observation ended, register again", 0);
            return;
        }
        if (relation != null && !relation.isCanceled()) { // a registration
            try {
                if (!observations.register(peerKey, b, topic, resource, relation)) {
                    String detail = "the principal holds " + settings.maxObservationsPerPrincipal()
                            + " Observe relations already";
                    refusals.refused("down", peerKey, exchange.getSourceSocketAddress(), b, // rare: audited
                            RejectionReason.RATE_LIMITED, detail);
                    // retry once a relation may have ended (its Max-Age), not within a second (tour R, R8)
                    refuse(exchange, "down", peerKey, b, RejectionReason.RATE_LIMITED, detail, notificationMaxAge);
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("router subscription for CoAP Observe failed", e);
                refuse(exchange, "down", peerKey, b, RejectionReason.INTERNAL_ERROR, "subscription failed", 0);
                return;
            }
        }
        CoapObservations.Watch registered = observations.of(relation);
        exchange.respond(CoapObservations.answer(registered, notificationMaxAge)); // commands come as notifications
        if (registered != null) {
            registered.commands.start(); // established by the answer above: commands may go out now
        }
    }

    /** Called by the resource when Californium removes a relation (client cancel, RST, timeout, our 4.01). */
    void relationRemoved(ObserveRelation relation) {
        observations.removed(relation);
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
            Optional<RejectionReason> revoked = rechecks.endReason(b.session(), clock.instant())
                    .filter(r -> r != RejectionReason.EXPIRED); // expiry is the sweep's, with its own code
            if (revoked.isPresent()) {
                sessions.drop(e.getKey(), b); // removal listener cancels the relations
                observations.cancelAll(e.getKey(), "token revoked");
                refusals.refused("session", e.getKey(), null, b, revoked.get(), "session dropped: token revoked");
                dropped++;
            }
        }
        if (dropped > 0) {
            meters.counter("edgeauth.coap.sessions.revoked").increment(dropped);
        }
    }

    private void sessionDropped(String peerKey, CoapSessions.Bound bound) {
        observations.cancelAll(peerKey, "session ended");
    }

    // ---- refusals, metrics ---------------------------------------------------------------------------------

    private void refuse(CoapExchange exchange, String resource, String peerKey, CoapSessions.Bound b,
                        RejectionReason reason, String detail, long retryAfter) {
        if (reason != RejectionReason.RATE_LIMITED) { // rate refusals are counted, not audited one by one
            refusals.refused(resource, peerKey, exchange.getSourceSocketAddress(), b, reason, detail);
        }
        meters.counter("edgeauth.coap.refusals", "resource", resource, "reason", reason.code()).increment();
        exchange.respond(CoapCodes.refusal(reason, detail, CoapCodes.Where.RESOURCE, retryAfter));
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
}
