package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.AuthPipeline;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.SessionRechecks;
import io.edgeauth.broker.auth.Protocol;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.revocation.RevocationEvents;
import io.edgeauth.broker.mqtt.persist.SessionJournal;
import io.edgeauth.broker.router.TopicRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.edgeauth.broker.tls.TlsMaterial;
import io.edgeauth.broker.tls.TlsMaterialException;
import io.edgeauth.broker.mqtt.wire.MqttListeners;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT edge: listeners on Netty's MQTT codec ({@link MqttListeners}: TCP, TLS/mTLS, WebSocket) for MQTT 3.1.1
 * and 5 in front of the {@link AuthPipeline} and the {@link TopicRouter}.
 *
 * <p>CONNECT carries the token as the password, taken as raw bytes (a JWT; a CWT raw or base64url-encoded;
 * MQTT 5 needs no user name with it, MQTT 3.1.1 does, §3.1.2.9), or, for MQTT 5, as
 * authentication data with authentication method {@value #AUTH_METHOD}. Such a
 * client can later send an AUTH packet (reason 0x19 re-authenticate) with a fresh token to extend the
 * session; clients without enhanced authentication (MQTT 3.1.1) publish the fresh token to
 * {@value #RENEW_TOPIC} instead. A session is closed when its token expires (MQTT 5 DISCONNECT 0xA0
 * maximum connect time) and within a second of a revocation event that matches it (0x87).
 *
 * <p>Lifecycle: construct, {@link #start()}, read {@link #port()} / {@link #tlsPort()} /
 * {@link #webSocketPort()}, {@link #stop()}. Thread-safe.
 */
public final class MqttEdge {
    private static final Logger LOG = LoggerFactory.getLogger(MqttEdge.class);

    /** MQTT 5 authentication method whose data is the token (CONNECT and AUTH). */
    public static final String AUTH_METHOD = "edgeauth-token";
    /** Reserved topic: a PUBLISH of a fresh token here renews the session (fallback for MQTT 3.1.1). */
    public static final String RENEW_TOPIC = "$auth/renew";

    final Vertx vertx;
    final MqttSettings settings;
    final AuthPipeline pipeline;
    final RevocationChecker revocationChecker;
    /** What a live session may still do after a change: the one judgement every edge shares. */
    final SessionRechecks rechecks;
    final RateLimits rateLimits;
    final Function<String, RatePlan> ratePlans;
    final TopicRouter router;
    final AuditLog audit;
    final MqttMetrics metrics;
    private volatile java.util.function.Consumer<Throwable> internalErrorHandler = t -> { };
    io.edgeauth.broker.admission.AdmissionControl admission = io.edgeauth.broker.admission.AdmissionControl.unlimited();
    final ConcurrentHashMap<String, MqttSessionState> sessions = new ConcurrentHashMap<>();
    /**
     * When a device's session key lost its device (deleted or moved: {@link SessionAccessCleanup}): a CONNECT
     * authenticated before that and bound after it must not keep its session. Kept for a day, the longest token life.
     */
    final com.github.benmanes.caffeine.cache.Cache<String, java.time.Instant> removedDevices =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().expireAfterWrite(java.time.Duration.ofDays(1))
                    .maximumSize(100_000).executor(Runnable::run).build();
    /** Binds of one session key run one at a time (see {@link MqttSessionBinding#bind}); striped, never removed. */
    private final Object[] bindLocks = java.util.stream.Stream.generate(Object::new).limit(64).toArray();
    final Set<MqttConnection> live = ConcurrentHashMap.newKeySet();
    /** Connections and sessions per tenant + principal, bounded by {@link MqttSettings#maxSessionsPerPrincipal()}. */
    final SessionSlots slots;
    private final RevocationEvents revocationEvents;
    /** The listeners and their event loops while started; null otherwise. */
    private MqttListeners wire;
    private AutoCloseable revocationSubscription;
    /** The edge's event loops: one per core, half of what Vert.x runs by default (2 x cores). */
    private static final int EVENT_LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Null until {@link #geoPolicy} is called: an edge without one refuses to start (fail closed). */
    volatile PublishGate publishGate;
    private GeoPolicy geo;
    private PublishGate.PayloadCheck payloadCheck = PublishGate.PayloadCheck.NONE;
    /** The clock session expiry is decided with: the authentication pipeline's. */
    volatile Clock clock = Clock.systemUTC();
    volatile SessionPersistence persistence = new SessionPersistence(null);
    /** The TLS listeners' key, trust and CRL, read at {@link #start()}; null without TLS. */
    private volatile TlsMaterial tlsMaterial;
    private java.util.function.Predicate<java.security.cert.X509Certificate[]> alsoTrusted = chain -> false;
    private volatile io.edgeauth.broker.tls.ClientCertificateGate clientGate;
    private volatile int port = -1;
    private volatile int tlsPort = -1;
    private volatile int webSocketPort = -1;

    /**
     * @param vertx             the broker's Vert.x instance (not closed by {@link #stop()})
     * @param settings          listeners and limits
     * @param pipeline          the one authentication chain
     * @param revocationEvents  revocations to re-check live sessions against
     * @param revocationChecker the re-check
     * @param rateLimits        per-device budgets
     * @param ratePlans         plan by name (a {@link io.edgeauth.broker.auth.DeviceSession#ratePlan()});
     *                          null or unknown: {@link RatePlan#defaultPlan()}
     * @param router            the tenant-scoped router shared with CoAP (and, with Redis, the other nodes)
     * @param audit             audit log (refusals made by the edge itself, expiry and revocation closes)
     * @param meters            metrics registry
     */
    public MqttEdge(Vertx vertx, MqttSettings settings, AuthPipeline pipeline, RevocationEvents revocationEvents,
                    RevocationChecker revocationChecker, RateLimits rateLimits, Function<String, RatePlan> ratePlans,
                    TopicRouter router, AuditLog audit, MeterRegistry meters) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.revocationEvents = Objects.requireNonNull(revocationEvents, "revocationEvents");
        this.revocationChecker = Objects.requireNonNull(revocationChecker, "revocationChecker");
        this.rechecks = new SessionRechecks(revocationChecker);
        this.rateLimits = Objects.requireNonNull(rateLimits, "rateLimits");
        Function<String, RatePlan> plans = ratePlans == null ? name -> null : ratePlans;
        this.ratePlans = name -> Objects.requireNonNullElseGet(plans.apply(name), RatePlan::defaultPlan);
        this.router = Objects.requireNonNull(router, "router");
        this.audit = audit == null ? AuditLog.NOOP : audit;
        this.metrics = new MqttMetrics(Objects.requireNonNull(meters, "meters"));
        this.slots = new SessionSlots(settings.maxSessionsPerPrincipal());
    }

    /**
     * Sets the region rules for locations devices report in PUBLISH (user property {@code geo}); the
     * CONNECT location is checked by the pipeline. Required: call before {@link #start()}, with the same policy
     * the pipeline applies ({@code new GeoPolicy("")} for a node that serves the whole world).
     */
    public MqttEdge geoPolicy(GeoPolicy policy) {
        this.geo = Objects.requireNonNull(policy, "policy");
        this.publishGate = new PublishGate(geo, payloadCheck);
        return this;
    }

    /**
     * Checks end-to-end payload signatures of devices' messages (user property {@code edgeauth-sig}).
     * Call before {@link #start()}, after {@link #geoPolicy}.
     */
    public MqttEdge payloadCheck(PublishGate.PayloadCheck check) {
        this.payloadCheck = Objects.requireNonNull(check, "check");
        this.publishGate = new PublishGate(Objects.requireNonNull(geo, "call geoPolicy first"), check);
        return this;
    }

    /**
     * Keeps persistent sessions, the QoS 1 messages they owe and the retained messages in {@code journal}, and restores
     * what it holds (offline sessions, each expiring after its interval counted from now unless its client resumes it).
     * Call before {@link #start()}.
     */
    public MqttEdge sessionJournal(SessionJournal journal) {
        return sessionJournal(journal, null);
    }

    /** {@link #sessionJournal(SessionJournal)}, sessions also in {@code home}: resumed on any node (null: none). */
    public MqttEdge sessionJournal(SessionJournal journal, io.edgeauth.broker.mqtt.persist.SessionHome home) {
        SessionPersistence p = new SessionPersistence(Objects.requireNonNull(journal, "journal"), home);
        if (home != null) {
            journal.mirror(home.mirror());
        }
        p.restore(this);
        router.retainedJournal(journal);
        this.persistence = p;
        return this;
    }

    /**
     * The node's admission control: a CONNECT beyond its limit of authentications in flight is refused with
     * CONNACK 0x89 Server busy (3.1.1: 0x03) before any work, and a TLS connection beyond its limit of pending
     * handshakes is closed unread. Default: no limit worth the name. Call before {@link #start()}.
     */
    public MqttEdge admission(io.edgeauth.broker.admission.AdmissionControl control) {
        this.admission = Objects.requireNonNull(control, "control");
        return this;
    }

    /**
     * Client certificates the trust store refuses that pass the TLS handshake all the same (a fleet CA's devices,
     * whose tokens are bound to their certificate): the certificate never authenticates alone, the token decides.
     */
    public MqttEdge alsoTrustedClientCertificates(java.util.function.Predicate<java.security.cert.X509Certificate[]> p) {
        this.alsoTrusted = Objects.requireNonNull(p, "p");
        return this;
    }

    /**
     * Also hands every internal error of the edge (an exception one of its handlers or tasks threw: a bug, never a
     * peer's fault) to {@code handler}, after it is logged with its stack and counted; for embedding and tests.
     */
    public MqttEdge internalErrors(java.util.function.Consumer<Throwable> handler) {
        this.internalErrorHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /** An exception our code threw on a connection's loop: logged with its stack, counted, handed on. */
    void internalError(Throwable t) {
        LOG.error("MQTT edge: internal error", t);
        metrics.drop("internal_error");
        internalErrorHandler.accept(t);
    }

    /** The clock the pipeline decides token validity with (default the system clock). Call before {@link #start()}. */
    public MqttEdge clock(Clock sameAsThePipelines) {
        this.clock = Objects.requireNonNull(sameAsThePipelines, "clock");
        return this;
    }

    /** Binds the configured listeners and subscribes to revocation events. */
    public synchronized Future<Void> start() {
        if (publishGate == null) {
            // never skip the PUBLISH location check because nobody configured it
            return Future.failedFuture(new IllegalStateException("MqttEdge: set the geo policy (geoPolicy) before start()"));
        }
        if (settings.tls() != null) {
            try {
                tlsMaterial = TlsMaterial.load(tlsSources(settings.tls()), OPENSSL);
            } catch (TlsMaterialException e) {
                return Future.failedFuture(e);
            }
        }
        revocationSubscription = revocationEvents.subscribe(revocation -> {
            for (MqttConnection c : live) {
                // only the sessions the revocation names are re-checked on their loops: a node holding many
                // sessions must not queue a task for each of them per revocation (an unauthenticated connection
                // re-checks itself once its session is set)
                DeviceSession s = c.session;
                if (s != null && revocation.names(s.token())) {
                    c.recheckRevocation();
                }
            }
        });
        SslContext tls;
        try {
            tls = tlsMaterial == null ? null : serverTls();
        } catch (SSLException e) {
            return Future.failedFuture(new TlsMaterialException("mqtt: TLS context: " + e.getMessage()));
        }
        wire = new MqttListeners(EVENT_LOOPS, io.edgeauth.broker.net.NetTransport.of(vertx), // as Vert.x's HTTP
                metrics.connectionCap(settings.limits().maxConnections()), metrics.tlsRefusals());
        List<Future<?>> binds = new ArrayList<>();
        if (settings.port() >= 0) {
            binds.add(listen(settings.port(), null, false, Protocol.MQTT).onSuccess(p -> port = p));
        }
        if (settings.tlsPort() >= 0) {
            binds.add(listen(settings.tlsPort(), tls, false, Protocol.MQTT).onSuccess(p -> tlsPort = p));
        }
        if (settings.webSocketPort() >= 0) {
            binds.add(listen(settings.webSocketPort(), settings.webSocketTls() ? tls : null, true, Protocol.MQTT_WS)
                    .onSuccess(p -> webSocketPort = p));
        }
        return Future.all(binds).<Void>mapEmpty()
                .onSuccess(v -> LOG.info("MQTT edge listening: tcp={} tls={} ws={}", port, tlsPort, webSocketPort))
                .recover(err -> stop().transform(x -> Future.failedFuture(err)));
    }

    /** Closes the listeners and every live connection (MQTT 5: DISCONNECT 0x8B server shutting down). */
    public synchronized Future<Void> stop() {
        if (revocationSubscription != null) {
            try {
                revocationSubscription.close();
            } catch (Exception e) {
                LOG.debug("revocation subscription close failed", e);
            }
            revocationSubscription = null;
        }
        MqttListeners stopping = wire;
        wire = null;
        for (MqttConnection c : live) {
            c.shutdown();
        }
        if (stopping == null) {
            return Future.succeededFuture();
        }
        // the loops end once the connections had their DISCONNECT grace (MqttConnection#disconnect)
        CompletableFuture<Void> closed = stopping.close(MqttConnection.DISCONNECT_GRACE_MILLIS);
        return Future.fromCompletionStage(closed);
    }

    /** True once started with TLS material (a TLS or secure WebSocket listener). */
    public boolean tlsEnabled() {
        return tlsMaterial != null;
    }

    /**
     * Reads the TLS key store, trust store and CRL again: new TLS connections get the new server certificate and
     * are checked against the new trust and CRL; established connections are kept. Audited either way.
     *
     * @throws IllegalStateException without TLS listeners or before {@link #start()}
     * @throws TlsMaterialException if a file is unusable; the material in use stays
     */
    public TlsMaterial.Summary reloadTls() {
        return reloadTls(audit);
    }

    /** As {@link #reloadTls()}, audited to {@code trail} (an admin request's, naming its source). */
    public TlsMaterial.Summary reloadTls(AuditLog trail) {
        TlsMaterial material = tlsMaterial;
        if (material == null) {
            throw new IllegalStateException("no MQTT TLS listener is configured");
        }
        try {
            TlsMaterial.Summary s = material.reload();
            trail.record("tls.reloaded", "ok", Map.of("listener", "mqtt", "serverSha256", s.serverSha256(),
                    "serverSerial", s.serverSerial(), "trustAnchors", s.trustAnchors(), "revokedEntries", s.revokedEntries()));
            LOG.info("MQTT TLS material reloaded: server certificate serial {} sha256 {}, {} trust anchors, {} revoked",
                    s.serverSerial(), s.serverSha256(), s.trustAnchors(), s.revokedEntries());
            return s;
        } catch (TlsMaterialException e) {
            trail.record("tls.reloaded", "refused", Map.of("listener", "mqtt", "reason", e.getMessage()));
            throw e;
        }
    }

    /**
     * Checks a TLS client's chain against the trust and CRL in force now: a TLS session resumed after a reload
     * carries a certificate that was checked against the old material only. Null if it passes (or there is no
     * chain or no trust store), else the refusal reason ({@code certificate_revoked}, {@code certificate_untrusted}).
     */
    String clientCertificateRefusal(java.security.cert.Certificate[] chain) {
        io.edgeauth.broker.tls.ClientCertificateGate gate = clientGate;
        return chain.length == 0 || gate == null ? null : gate.refusal(chain);
    }

    /** Bound plain TCP port, or -1. */
    public int port() {
        return port;
    }

    /** Bound TLS port, or -1. */
    public int tlsPort() {
        return tlsPort;
    }

    /** Bound WebSocket port, or -1. */
    public int webSocketPort() {
        return webSocketPort;
    }

    /** Connections with an accepted session now. */
    public int liveSessions() {
        return live.size();
    }

    private Future<Integer> listen(int bindPort, SslContext tls, boolean webSocket, Protocol protocol) {
        metrics.sessions("default", protocol.label()); // the series reads 0 from the start, not only after a session
        MqttListeners.Listener l = new MqttListeners.Listener(settings.host(), bindPort, tls, webSocket,
                settings.limits().maxPacketSize(), Math.max(1, settings.connectTimeout().toMillis()),
                MqttReasons.CONNECT_REFUSALS, channel -> new MqttConnection(this, channel, protocol).start(),
                this::internalError, admission);
        return Future.fromCompletionStage(wire.listen(l));
    }

    /**
     * The TLS listeners' context: TLS 1.3 and 1.2 only, AEAD suites with forward secrecy only (no CBC, no SHA-1
     * MACs, no static RSA); the key and trust managers read the current material on each handshake, so a reload
     * needs no new context.
     */
    private SslContext serverTls() throws SSLException {
        ClientAuth clientAuth = switch (settings.tls().clientAuth()) {
            case NONE -> ClientAuth.NONE;
            case REQUEST -> ClientAuth.OPTIONAL;
            case REQUIRED -> ClientAuth.REQUIRE;
        };
        clientGate = tlsMaterial.trustManager() == null ? null
                : new io.edgeauth.broker.tls.ClientCertificateGate(tlsMaterial.trustManager(), alsoTrusted, false);
        return MqttListeners.serverTls(tlsMaterial.keyManager(), clientGate, clientAuth, OPENSSL,
                List.of("TLSv1.3", "TLSv1.2"), AEAD_SUITES);
    }

    /**
     * TLS through BoringSSL (netty-tcnative) where it loads: a full handshake costs the JDK's pure-Java
     * X25519 and P-256 code about 3 ms of CPU, several times what native code needs, and new connections
     * per second are bounded by exactly that. Elsewhere the JDK's TLS, the same behaviour, slower.
     */
    private static final boolean OPENSSL = openSsl();
    /** The cipher suites the TLS listeners offer: TLS 1.3's (all AEAD) and TLS 1.2's ECDHE with GCM or ChaCha20-Poly1305. */
    static final List<String> AEAD_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static boolean openSsl() {
        // BoringSSL never renegotiates as a server (clients get alert no_renegotiation); the JDK's TLS 1.2 does
        // unless told otherwise, read once when its first server handshake loads the class that decides it
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
        boolean available;
        try {
            available = OpenSsl.isAvailable();
        } catch (LinkageError e) {
            available = false;
        }
        LOG.info("MQTT TLS engine: {}", available ? "OpenSSL (BoringSSL, netty-tcnative)" : "JDK (netty-tcnative not available here)");
        return available;
    }

    static TlsMaterial.Sources tlsSources(MqttSettings.Tls t) {
        return new TlsMaterial.Sources("mqtt", t.keyStore(), t.keyStorePassword(), t.trustStore(), t.trustStorePassword(),
                t.crl());
    }

    /** Drops a session's subscriptions and forgets it; a held-back will is published now, its share groups get theirs. */
    void destroy(MqttSessionState state) {
        Runnable due;
        synchronized (state) {
            due = takePendingWill(state);
        }
        if (due != null) {
            due.run();
        }
        if (sessions.remove(state.key, state)) {
            slots.ended(state.tenant + '\u0000' + state.principal);
        }
        state.subscriptions.values().forEach(router::unsubscribe);
        state.subscriptions.clear();
        state.handBackShared(metrics::drop); // before ended(), which empties a journaled session's queue
        persistence.ended(state);
    }

    /** Holds a will back {@code seconds} (§3.1.2.5: until the delay passed or the session ended, unless resumed). */
    void delayWill(MqttSessionState state, Runnable will, long seconds) {
        synchronized (state) {
            if (state.willTimer >= 0) {
                vertx.cancelTimer(state.willTimer);
            }
            state.pendingWill = will;
            state.willTimer = vertx.setTimer(Math.max(1, seconds * 1000), id -> {
                Runnable due;
                synchronized (state) {
                    if (state.willTimer != id) {
                        return;
                    }
                    due = state.pendingWill;
                    state.pendingWill = null;
                    state.willTimer = -1;
                }
                if (due != null) {
                    due.run();
                }
            });
        }
    }

    /** Takes a held-back will off the session (the caller holds its monitor); null if none. */
    Runnable takePendingWill(MqttSessionState state) {
        Runnable due = state.pendingWill;
        state.pendingWill = null;
        if (state.willTimer >= 0) {
            vertx.cancelTimer(state.willTimer);
            state.willTimer = -1;
        }
        return due;
    }

    /** Keeps a detached persistent session for its expiry, then destroys it unless a client came back. */
    void expireLater(MqttSessionState state) {
        long seconds = Math.min(state.expirySeconds, settings.maxSessionExpiry().toSeconds());
        synchronized (state) {
            if (state.expiryTimer >= 0) {
                vertx.cancelTimer(state.expiryTimer);
            }
            state.expiryTimer = vertx.setTimer(Math.max(1, seconds * 1000), id -> {
                // under the bind lock: a resume now binds first (kept) or after (a new session), never in between
                synchronized (bindLock(state.key)) {
                    synchronized (state) {
                        if (state.owner != null || state.expiryTimer != id) {
                            return;
                        }
                        state.expiryTimer = -1;
                    }
                    destroy(state);
                }
            });
        }
    }

    /** The lock the binds of session {@code key} take. */
    Object bindLock(String key) {
        return bindLocks[key.hashCode() & (bindLocks.length - 1)];
    }
}
