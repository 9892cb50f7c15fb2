package io.edgeauth.broker;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.auth.DefaultAuthPipeline;
import io.edgeauth.broker.coap.CoapEdge;
import io.edgeauth.broker.coap.RouterCoapMessaging;
import io.edgeauth.broker.config.EdgeSettings;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.device.DtlsEcProvider;
import io.edgeauth.broker.health.HealthChecks;
import io.edgeauth.broker.mqtt.MqttEdge;
import io.edgeauth.broker.mqtt.SessionAccessCleanup;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.router.RetainedCleanup;
import io.edgeauth.broker.router.TopicRouter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.audit.ChainedAuditLog;
import io.edgeauth.broker.audit.JwsCheckpoints;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.http.HttpApi;
import io.edgeauth.broker.http.HttpsListener;
import io.edgeauth.broker.provisioning.BulkImporter;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.AccessReevaluation;
import io.edgeauth.broker.service.ServiceRegistry;
import io.edgeauth.broker.service.ServiceValidator;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.cluster.ClusterRouting;
import io.edgeauth.broker.cluster.OutagePolicy;
import io.edgeauth.broker.cluster.SharedState;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.mqtt.persist.SessionJournal;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.telemetry.PayloadSignatures;
import io.edgeauth.broker.telemetry.SignedTelemetry;
import io.edgeauth.broker.wallet.ClaimCodes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.edgeauth.broker.net.NetTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running broker: wires the store, registry, revocations, token authority, authentication
 * pipeline and the HTTP, MQTT and CoAP edges from a {@link BrokerConfig}. {@link #start} blocks until
 * every listener is bound (port 0 picks free ports; the getters tell which); {@link #close} stops all.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Vertx vertx;
    private BrokerConfig config;
    private SharedState shared;
    private Store store;
    private DeviceRegistry registry;
    private ServiceRegistry services;
    private RevocationService revocations;
    private AdminCredential adminCredential;
    private PrometheusMeterRegistry meters;
    private HttpServer http;
    /** The HTTPS listener (RFC 8705 tls_client_auth), or null when {@code http.tls.port} is -1. */
    private HttpsListener https;
    private HttpServer httpsServer;
    private io.edgeauth.broker.policy.RateLimits rateLimits;
    private TopicRouter router;
    private MqttEdge mqtt;
    private CoapEdge coap;
    private SessionJournal journal;
    private ClusterRouting cluster;

    /** The wall clock under the broker's {@link io.edgeauth.broker.time.SteadyClock} (tests jump it). */
    private final Clock wallClock;
    private Clock clock;

    private Broker(BrokerConfig config, Clock wallClock) {
        this.config = config;
        this.wallClock = wallClock;
        NetTransport transport = NetTransport.choose(config.network().nativeTransport());
        if (config.network().nativeTransport() && transport == NetTransport.NIO) {
            LOG.warn("network.nativeTransport: epoll does not load here ({}); the listeners use Java NIO",
                    NetTransport.nativeUnavailability().map(Throwable::toString).orElse("not Linux"));
        }
        this.vertx = Vertx.builder().withTransport(transport.vertx()).build(); // the MQTT edge takes the same one
        closeables.add(() -> await(vertx.close(), "Vert.x close"));
    }

    /** Starts a broker; on failure everything started so far is stopped again. */
    public static Broker start(BrokerConfig config) {
        return start(config, Clock.systemUTC());
    }

    /** Starts a broker whose time comes from {@code wallClock}, never stepping back (tests move it). */
    public static Broker start(BrokerConfig config, Clock wallClock) {
        Broker broker = new Broker(config, wallClock);
        try {
            broker.startComponents();
            return broker;
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    private void startComponents() {
        clock = new io.edgeauth.broker.time.SteadyClock(wallClock);
        Path dataDir = io.edgeauth.broker.store.DataDirectory.prepare(config.dataDir());
        io.edgeauth.broker.store.DataFormats.refuseNewer(dataDir, io.edgeauth.broker.health.BuildInfo.current().describe());
        meters = io.edgeauth.broker.health.BrokerMeters.create();
        // the store first: it holds the data directory's lock, so a start refused for it writes no audit line into the
        // chain of the broker that holds it (which may be an older one, without the audit file's lock; tour U, U8)
        shared = SharedState.open(config.store(), dataDir, clock, meters);
        closeables.add(0, shared);
        io.edgeauth.broker.store.DataFormats.write(dataDir, io.edgeauth.broker.health.BuildInfo.current().describe());
        ChainedAuditLog auditChain = AuditSetup.chain(config, dataDir, clock);
        auditChain.bindTo(meters);
        closeables.add(auditChain); // closed last: its final checkpoint seals every event of the run
        AuditLog audit = AuditSetup.withAnomalies(auditChain, config.audit().anomalies(), clock);
        AuditSetup.closeBefore(auditChain, audit, closeables); // flood summaries, then the stop checkpoint
        store = shared.store();
        if (shared.type().equals("embedded")) {
            ownerOnly(dataDir.resolve("state.mv.db"));
        }
        registry = new DeviceRegistry(store, shared.feed());
        services = new ServiceRegistry(store, shared.feed());
        revocations = new RevocationService(store, shared.feed(), clock, config.tokens().maxLifetime(),
                config.tokens().clockLeeway());
        // continuous access evaluation: a device record change ends the sessions its old record allowed
        registry.onAccessChange(new AccessReevaluation(revocations, audit)::changed);

        // bind HTTP first: with port 0 the public URL (issuer, token audience) is only known now
        HttpApi api = new HttpApi(vertx);
        http = await(api.listen(config.http()), "HTTP listener on " + config.http().host() + ":" + config.http().port()
                + " (http.host, http.port)");
        closeables.add(0, () -> await(api.close(), "HTTP close"));
        if (config.publicUrl().isEmpty()) {
            config = config.withPublicUrl("http://localhost:" + http.actualPort());
        }

        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeauth-housekeeping");
            t.setDaemon(true);
            return t;
        });
        closeables.add(0, scheduler::shutdownNow);
        scheduler.scheduleWithFixedDelay(() -> prune(audit), 1, 1, TimeUnit.MINUTES);

        TokenAuthority tokens = TokenAuthority.create(config, shared.keyVault(), store, shared.feed(), registry, services, revocations, scheduler,
                clock, audit, meters);
        closeables.add(0, tokens);
        UnconfiguredTenants.warn(config.tenantIds(), registry.loadedByTenant(), services.list(), tokens.fleetCas().active());
        tokens.keepVerificationsIn(dataDir.resolve("verified-tokens.bin"), // kept when tokens closes, after the edges
                io.edgeauth.broker.store.StateFileKey.of(dataDir, shared.keyEncryptionKey(), "verified tokens"));
        auditChain.startCheckpoints(JwsCheckpoints.signer(() -> tokens.keys().activeKey(config.audit().signingTenant(config.tenants())),
                tokens.signatures()), scheduler, config.audit().checkpointInterval());
        if (config.http().tls().port() >= 0) { // needs the fleet CAs, whose chains it lets through to /oauth/token
            https = new HttpsListener(config.http().tls(), tokens.fleetCas()::issuedByKnownCa);
            httpsServer = await(api.listenTls(config.http().host(), https), "HTTPS listener on port "
                    + config.http().tls().port() + " (http.tls.port)");
            tokens.acceptTokenEndpointAlias(HttpsListener.baseUrl(config.publicUrl(), httpsServer.actualPort()) + "/oauth/token");
        }
        GeoPolicy geo = new GeoPolicy(config.region().geohash());
        BrokerConfig.ConnectionGuard guard = config.connectionGuard();
        rateLimits = shared.rateLimits(new LocalRateLimits(new LocalRateLimits.Settings(guard.perDevicePerMinute(),
                guard.perAddressPerMinute(), guard.failedAttemptCost(), 1_000_000, Duration.ofMinutes(10))),
                1_000_000, Duration.ofMinutes(10));
        Function<String, RatePlan> ratePlans = EdgeSettings.ratePlans(config);
        revocations.subscribe(r -> {
            if (r.kind() == Revocation.Kind.KID) { // cached verifications by that key go; jti/sub are checked on each hit
                tokens.verifier().invalidateAll();
            }
        });
        DefaultAuthPipeline pipeline = DefaultAuthPipeline.builder().verifier(tokens.verifier()).revocations(
                        OutagePolicy.forNewAuthentications(revocations, store, config.store().onOutage()))
                .registry(registry).services(services).rateLimits(rateLimits).geo(geo).tenantOfIssuer(tokens::tenantOfIssuer)
                .sharedSecretTokens(tokens::signedWithSharedSecret).regionOfIssuer(config::regionOfIssuer).defaultRatePlan(config.defaultRatePlan()).audit(audit).meters(meters)
                .clock(clock).clockLeeway(config.tokens().clockLeeway()).build();
        router = new TopicRouter(config.mqtt().maxRetainedPerTenant(), config.mqtt().maxRetainedPerDevice(),
                reason -> meters.counter("edgeauth.router.drops", "reason", reason).increment());
        router.clock(clock);
        RetainedCleanup retainedCleanup = new RetainedCleanup(router, audit); // deletion and transfer clear retained
        registry.onDelete(retainedCleanup::deleted);
        registry.onAccessChange(retainedCleanup::changed);
        services.onDelete(s -> retainedCleanup.serviceDeleted(s.tenant(), s.id()));
        // several nodes: linked before any subscription exists (the edges restore persistent sessions at start)
        io.edgeauth.broker.mqtt.MqttSettings.Limits mqttLimits = EdgeSettings.mqtt(config).limits();
        java.util.Optional<ClusterRouting> routing = shared.routing(router, config, dataDir,
                EdgeSettings.mqtt(config).backpressureTimeout(), Math.max(mqttLimits.queueLength(),
                        mqttLimits.offlineQueueLength()) + mqttLimits.receiveMaximum(), meters, audit);
        cluster = routing.orElse(null);
        routing.ifPresent(r -> closeables.add(0, r));

        SignedTelemetry signedTelemetry = new SignedTelemetry(new PayloadSignatures(tokens.signatures()), registry::find,
                config.tenants().stream().filter(BrokerConfig.Tenant::requireSignedTelemetry)
                        .map(BrokerConfig.Tenant::id).collect(java.util.stream.Collectors.toSet()));
        io.edgeauth.broker.admission.AdmissionControl admission = new io.edgeauth.broker.admission.AdmissionControl(
                config.admission(), meters);
        BrokerConfig.Mqtt m = config.mqtt();
        if (m.port() >= 0 || m.tlsPort() >= 0 || m.websocketPort() >= 0) {
            // CONNECT authentication (ES256 check, look-ups, audit) off the event loops, one pool thread per core
            io.edgeauth.broker.auth.WorkerPoolAuthPipeline mqttAuth = authPool(pipeline, "mqtt");
            mqtt = new MqttEdge(vertx, EdgeSettings.mqtt(config), mqttAuth, revocations, revocations, rateLimits,
                    ratePlans, router, audit, meters).geoPolicy(geo).payloadCheck(signedTelemetry).clock(clock)
                    .admission(admission).alsoTrustedClientCertificates(tokens.fleetCas()::issuedByKnownCa);
            if (m.persistSessions()) {
                Path journalFile = dataDir.resolve("mqtt-sessions.mv.db");
                journal = new SessionJournal(journalFile);
                ownerOnly(journalFile);
                closeables.add(0, journal::close); // after the edge stops (closeables run first to last)
                mqtt.sessionJournal(journal, routing.map(ClusterRouting::sessions).orElse(null));
                routing.ifPresent(r -> r.acknowledgeWhen(() -> journal.durable()));
            }
            BrokerConfig.Mqtt listeners = config.mqtt();
            await(mqtt.start(), "MQTT listeners on " + listeners.host() + " ports " + listeners.port() + ", TLS "
                    + listeners.tlsPort() + ", WebSocket " + listeners.websocketPort()
                    + " (mqtt.port, mqtt.tlsPort, mqtt.websocketPort; -1: off)");
            closeables.add(0, () -> await(mqtt.stop(), "MQTT stop"));
        }
        BrokerConfig.Coap c = config.coap();
        if (c.port() >= 0 || c.dtlsPort() >= 0) {
            if (c.dtlsPort() >= 0 && config.crypto().useNativeProvider()) {
                CryptoProviders.installNativeDtlsEc(); // Scandium's ECDHE and ECDSA in native code
            }
            // token uploads and /token (signature checks, store writes) off Californium's protocol threads
            io.edgeauth.broker.auth.WorkerPoolAuthPipeline coapAuth = authPool(pipeline, "coap");
            io.edgeauth.broker.coap.CoapTokenIssuer issuer = tokens.coapTokenIssuer();
            coap = new CoapEdge(EdgeSettings.coap(config, dataDir), coapAuth, revocations, revocations, rateLimits,
                    ratePlans, geo, new RouterCoapMessaging(router, journal), audit, meters, clock)
                    .tokenIssuer(r -> coapAuth.offload(() -> issuer.issue(r)))
                    .payloadCheck(signedTelemetry).admission(admission);
            if (c.keepDtlsSessions()) {
                coap.keepDtlsSessionsIn(dataDir.resolve("coap-dtls-sessions.bin"));
            }
            coap.keepCommandsIn(dataDir.resolve("coap-commands.bin")); // unless coap.commandRetention is 0
            try {
                coap.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage() + " (coap.host, coap.port, coap.dtlsPort; -1: off)", e);
            }
            closeables.add(0, coap::close);
        }

        AccessEndings.wire(registry, services, mqtt == null ? null : new SessionAccessCleanup(mqtt), coap);
        routing.ifPresent(ClusterRouting::open); // the edges restored their sessions and subscriptions
        // once every listener is bound: a first start that fails on a port in use never made a credential it could
        // not show
        adminCredential = AdminCredential.loadOrCreate(dataDir);
        TlsReloads tlsReloads = new TlsReloads(config, mqtt, coap, https, tokens.fleetCas(), tokens.listedCertificates(),
                audit);
        closeables.add(0, tlsReloads.watch());
        api.health(() -> health(tokens), healthChecks().add("audit", auditChain::unavailableReason)
                        .add("hsm", tokens::hsmUnavailableReason))
                .metrics(meters)
                .wellKnown(config, tokens.keys(), () -> httpsServer == null ? null
                        : HttpsListener.baseUrl(config.publicUrl(), httpsServer.actualPort()))
                .sessions(pipeline, pipeline)
                .oauth(tokens.devices(), tokens.services(), tokens.wallets(), tokens.exchange(), revocations, adminCredential, audit, tokens.requestLimits())
                .siwe(tokens.wallets(), audit, tokens.requestLimits())
                .admin(adminCredential, registry, deviceValidator(clock), revocations, tokens, tokens.keyOwners(), audit)
                .services(services, registry, new ServiceValidator(t -> config.tenant(t) != null,
                        config.ratePlans()::containsKey, clock), revocations,
                        audit)
                .deviceCommands(registry, router, audit, new PublishGate(geo), t -> config.tenant(t) != null,
                        s -> rateLimits.forDevice(s.tenant(), s.principal(), ratePlans.apply(s.ratePlan())))
                .bulkImport(new BulkImporter(deviceValidator(clock), registry, audit))
                .tlsReload(tlsReloads::reloadAll)
                .fleetCas(tokens.fleetCas(), config.provisioning().templates().keySet(), t -> config.tenant(t) != null,
                        revocations, tokens.listedCertificates(), audit)
                .deviceClaims(adminCredential, registry, new ClaimCodes(store, clock), audit)
                .ethDevices(tokens.ethDevices())
                .loginPage(this::mqttWebSocketPort)
                .install();
        io.micrometer.core.instrument.Gauge.builder("edgeauth.crypto.native", tokens, t -> t.cryptoProvider().equals("JDK") ? 0 : 1)
                .tag("provider", tokens.cryptoProvider()).description("1: signatures on native code").register(meters);
        LOG.info("broker {} started: {}", io.edgeauth.broker.health.BuildInfo.current().describe(), String.join(", ", listenerSummary()));
    }

    /**
     * An edge's authentication pool: one thread per core (the work is CPU-bound), room to queue every admitted
     * attempt, its depth as {@code edgeauth_auth_pool_queue{pool=edge}}; stopped with the broker.
     */
    private io.edgeauth.broker.auth.WorkerPoolAuthPipeline authPool(io.edgeauth.broker.auth.AuthPipeline pipeline,
                                                                   String edge) {
        io.edgeauth.broker.auth.WorkerPoolAuthPipeline pool = new io.edgeauth.broker.auth.WorkerPoolAuthPipeline(
                pipeline, Runtime.getRuntime().availableProcessors(),
                config.admission().maxInFlightAuthentications() + 1024, "edgeauth-" + edge + "-auth")
                .bindTo(meters, edge);
        closeables.add(0, pool);
        return pool;
    }

    /** Device registrations refuse ids the service registry holds: principal kinds are disjoint by registration. */
    private DeviceValidator deviceValidator(Clock clock) {
        return new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), clock)
                .reserving(id -> services.find(id).isPresent()).withEnrollmentGroups(config.provisioning().enrollmentGroups()
                        .stream().collect(java.util.stream.Collectors.toMap(BrokerConfig.EnrollmentGroup::id,
                                g -> new DeviceValidator.Group(g.tenant(), g.ids()))));
    }

    /** Prunes what ended; an operator's revocation that ends is audited ({@link AccessReevaluation#ended}). */
    private void prune(AuditLog audit) {
        try {
            revocations.prune(new AccessReevaluation(revocations, audit)::ended);
            store.prune(clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("pruning failed", e);
        }
    }

    /** Waits for a start/stop step; a step that fails or hangs stops start-up with its name. */
    static <T> T await(io.vertx.core.Future<T> future, String what) {
        try {
            return future.await(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + " did not complete within 30 s", e);
        } catch (Exception e) { // Vert.x rethrows a failure as it came, a checked bind error (IOException) included
            // an unresolvable host name fails with NIO's UnresolvedAddressException, which has no message
            String why = e instanceof java.nio.channels.UnresolvedAddressException
                    ? "the host name does not resolve to an address"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IllegalStateException(what + " failed: " + why, e);
        }
    }

    /** What readiness checks: the store, the session journal, every configured listener bound (then the audit). */
    private HealthChecks healthChecks() {
        HealthChecks checks = new HealthChecks().add("store", shared::unavailableReason);
        if (journal != null) {
            checks.add("mqttSessionJournal", journal::unavailableReason);
        }
        if (cluster != null) {
            checks.add("clusterInbox", cluster::inboxGap);
        }
        if (mqtt != null) {
            BrokerConfig.Mqtt m = config.mqtt();
            if (m.port() >= 0) {
                checks.add("mqtt", HealthChecks.bound("mqtt", mqtt::port));
            }
            if (m.tlsPort() >= 0) {
                checks.add("mqtts", HealthChecks.bound("mqtts", mqtt::tlsPort));
            }
            if (m.websocketPort() >= 0) {
                checks.add("mqtt-ws", HealthChecks.bound("mqtt-ws", mqtt::webSocketPort));
            }
        }
        if (coap != null) {
            if (config.coap().port() >= 0) {
                checks.add("coap", HealthChecks.bound("coap", coap::port));
            }
            if (config.coap().dtlsPort() >= 0) {
                checks.add("coaps", HealthChecks.bound("coaps", coap::dtlsPort));
            }
        }
        return checks;
    }

    /** The facts {@code /health} shows beside its status. */
    private JsonObject health(TokenAuthority tokens) {
        JsonObject health = new JsonObject()
                .put("cryptoProvider", tokens.cryptoProvider())
                .put("signatureRecovery", tokens.walletRecovery())
                .put("devices", registry.size())
                .put("revocations", revocations.size())
                .put("store", shared.type()).put("clock", cluster == null ? null : cluster.clockReport())
                .put("transport", NetTransport.of(vertx).label())
                .put("listeners", new io.vertx.core.json.JsonArray(listenerSummary()));
        if (cluster != null) { // beside the WARN lines: the store lost its data while this node ran
            cluster.storeDataLost().ifPresent(lost -> health.put("storeDataLost", lost));
        }
        if (config.coap().dtlsPort() >= 0) { // who computes the DTLS handshakes' EC key pairs, ECDH and ECDSA
            health.put("dtlsEcProvider", DtlsEcProvider.sourceName().orElse(CryptoProviders.JDK_NAME));
        }
        return health;
    }

    private static void ownerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // non-POSIX file system: the data directory's own mode protects it
        }
    }

    public BrokerConfig config() {
        return config;
    }

    public int httpPort() {
        return http.actualPort();
    }

    /** The bound HTTPS port, or -1 without the HTTPS listener. */
    public int httpsPort() {
        return httpsServer == null ? -1 : httpsServer.actualPort();
    }

    /** The admin credential if this start created it (first start), else empty. */
    public java.util.Optional<String> newAdminCredential() {
        return adminCredential.createdNow();
    }

    /** One line per listening edge, for the start-up banner. */
    public List<String> listenerSummary() {
        List<String> lines = new ArrayList<>();
        lines.add("http " + httpPort());
        if (httpsServer != null) {
            lines.add("https " + httpsServer.actualPort());
        }
        if (mqtt != null) {
            if (mqtt.port() >= 0) {
                lines.add("mqtt " + mqtt.port());
            }
            if (mqtt.tlsPort() >= 0) {
                lines.add("mqtts " + mqtt.tlsPort());
            }
            if (mqtt.webSocketPort() >= 0) {
                lines.add("mqtt-ws " + mqtt.webSocketPort() + "/mqtt");
            }
        }
        if (coap != null) {
            if (coap.port() >= 0) {
                lines.add("coap " + coap.port() + "/udp");
            }
            if (coap.dtlsPort() >= 0) {
                lines.add("coaps " + coap.dtlsPort() + "/udp (DTLS 1.2)");
            }
        }
        return lines;
    }

    /** The MQTT port, or -1 when off. */
    public int mqttPort() {
        return mqtt == null ? -1 : mqtt.port();
    }

    /** The MQTT-over-TLS port, or -1 when off. */
    public int mqttTlsPort() {
        return mqtt == null ? -1 : mqtt.tlsPort();
    }

    /** The MQTT-over-WebSocket port (path /mqtt), or -1 when off. */
    public int mqttWebSocketPort() {
        return mqtt == null ? -1 : mqtt.webSocketPort();
    }

    public int coapPort() {
        return coap == null ? -1 : coap.port();
    }

    public int coapDtlsPort() {
        return coap == null ? -1 : coap.dtlsPort();
    }

    public TopicRouter router() {
        return router;
    }

    public DeviceRegistry registry() {
        return registry;
    }

    public ServiceRegistry services() {
        return services;
    }

    public RevocationService revocations() {
        return revocations;
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping", e);
            }
        }
        closeables.clear();
    }
}
