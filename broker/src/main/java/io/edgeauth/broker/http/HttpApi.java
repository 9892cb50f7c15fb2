package io.edgeauth.broker.http;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.admin.KeyOwners;
import io.edgeauth.broker.admin.KeyRotator;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.provisioning.DeviceEnrollment;
import io.edgeauth.broker.oauth.EthDeviceTokenService;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.edgeauth.broker.wallet.ClaimCodes;
import io.edgeauth.broker.oauth.TokenExchangeService;
import io.edgeauth.broker.token.TokenTooLargeException;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.wallet.WalletSessions;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.RevocationService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (Vert.x Web): well-known documents, OAuth endpoints, admin API, health and metrics.
 * One server per core; every endpoint runs on a bounded worker pool ({@link RequestOffload}), never on
 * an event loop; every request is timed by route and status ({@link HttpRequestMetrics}). Bodies are
 * capped before parsing (streaming routes read theirs line by line); errors are RFC 6749 JSON;
 * unexpected failures answer 500 without details and are logged.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** Requests refused for a store outage: a line a minute, not one per request (tour O, F10). */
    private final io.edgeauth.broker.audit.LogLimiter storeOutageLog =
            new io.edgeauth.broker.audit.LogLimiter(java.time.Duration.ofMinutes(1));
    static final long MAX_BODY_BYTES = 64 * 1024;
    private static final int EVENT_LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private final Vertx vertx;
    private final List<HttpServer> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Consumer<Router>> mounts = new ArrayList<>();
    private final List<StreamingRoute> streaming = new ArrayList<>();
    private volatile Router router;
    private final HttpFraming framing = new HttpFraming();
    private MeterRegistry meters = new SimpleMeterRegistry();
    private BrokerConfig.Http settings;
    private HttpConnectionLimits connections;
    private WorkerExecutor workers;
    private BearerTokens bearerTokens;
    private AdminGuard adminGuard;
    /** The HTTPS listener's re-check of a client certificate ({@link HttpsListener#clientCertificateRefusal}). */
    private volatile Function<java.security.cert.Certificate[], String> clientCertificateRefusal = chain -> null;

    /** A route that reads its own request body as a stream (no body buffering, no 64 KiB cap). */
    private record StreamingRoute(String path, Handler<RoutingContext> handler) { }

    public HttpApi(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Adds routes (the OAuth, SIWE and other API parts mount themselves through this). */
    public HttpApi mount(Consumer<Router> routes) {
        mounts.add(routes);
        return this;
    }

    public HttpApi admin(AdminCredential credential, DeviceRegistry registry, DeviceValidator validator,
                         RevocationService revocations, KeyRotator keys, KeyOwners keyOwners, AuditLog audit) {
        return mount(new AdminApi(adminGuard(credential, audit), registry, validator, revocations, keys, keyOwners,
                audit)::mount);
    }

    /** The one admin check of this API, so every route that takes the credential spends one budget per address. */
    private AdminGuard adminGuard(AdminCredential credential, AuditLog audit) {
        if (adminGuard == null) {
            adminGuard = new AdminGuard(credential, audit, settings == null ? 0 : settings.adminFailuresPerAddressPerMinute());
        }
        return adminGuard;
    }

    /** {@code POST /admin/tls/reload} (behind the admin check mounted with {@link #admin}): see {@link TlsAdminApi}. */
    public HttpApi tlsReload(Function<java.util.function.UnaryOperator<AuditLog>,
            java.util.Map<String, io.edgeauth.broker.tls.TlsMaterial.Summary>> reload) {
        return mount(new TlsAdminApi(reload)::mount);
    }

    /** {@code POST /admin/devices:bulk}: streaming NDJSON import (behind the admin check mounted with {@link #admin}). */
    public HttpApi bulkImport(io.edgeauth.broker.provisioning.BulkImporter importer) {
        return streamingPost(BulkImportApi.PATH, new BulkImportApi(importer, vertx)::handle);
    }

    /**
     * The authentication every bearer credential and every token a call names goes through: the edges' one
     * pipeline. Set before {@link #oauth}, {@link #deviceClaims} and {@link #deviceCommands}.
     */
    public HttpApi sessions(io.edgeauth.broker.auth.AuthPipeline pipeline, io.edgeauth.broker.auth.TokenInspector inspector) {
        this.bearerTokens = new BearerTokens(pipeline, inspector);
        return this;
    }

    private BearerTokens bearerTokens() {
        if (bearerTokens == null) {
            throw new IllegalStateException("HttpApi.sessions(pipeline, inspector) must be called first");
        }
        return bearerTokens;
    }

    /**
     * OAuth endpoints (after {@link #metrics}, which they count in); bearer tokens and the tokens a call names go through
     * the pipeline of {@link #sessions}; {@code /oauth/token} within {@code limits}' per-address bound.
     */
    public HttpApi oauth(DeviceEnrollment devices, io.edgeauth.broker.oauth.ServiceTokenService services,
                         WalletSessions wallets, TokenExchangeService exchange, RevocationService revocations,
                         AdminCredential admin, AuditLog audit, io.edgeauth.broker.policy.rate.TokenRequestLimits limits) {
        return mount(new OAuthApi(devices, services, wallets, exchange, bearerTokens(), revocations, adminGuard(admin, audit),
                new TokenEndpointRefusals(new io.edgeauth.broker.oauth.TokenRefusals(audit, meters)), limits,
                chain -> clientCertificateRefusal.apply(chain))::mount);
    }

    /** Service clients: {@code /admin/services} (behind the admin check of {@link #admin}). */
    public HttpApi services(io.edgeauth.broker.service.ServiceRegistry services, DeviceRegistry devices,
                            io.edgeauth.broker.service.ServiceValidator validator, RevocationService revocations,
                            AuditLog audit) {
        return mount(new ServiceApi(services, devices, validator, revocations, audit)::mount);
    }

    /**
     * One-off device commands: {@code POST /admin/devices/{id}/commands} (behind the admin check of {@link #admin}),
     * and {@code POST /devices/{id}/commands} for bearer callers (after {@link #sessions}), through {@code gate}
     * with the caller's rate budget from {@code limiters}.
     */
    public HttpApi deviceCommands(DeviceRegistry devices, io.edgeauth.broker.router.TopicRouter router, AuditLog audit,
                                  io.edgeauth.broker.policy.PublishGate gate, java.util.function.Predicate<String> knownTenant,
                                  Function<io.edgeauth.broker.auth.DeviceSession, io.edgeauth.broker.policy.RateLimiter> limiters) {
        return mount(new DeviceCommandApi(devices, router, audit, bearerTokens(), gate, knownTenant, limiters)::mount);
    }

    /** Fleet CAs for zero-touch onboarding: {@code /admin/fleet-cas} (behind the admin check of {@link #admin}). */
    public HttpApi fleetCas(io.edgeauth.broker.provisioning.FleetCas cas, java.util.Set<String> templates,
                            java.util.function.Predicate<String> knownTenant, RevocationService revocations,
                            io.edgeauth.broker.provisioning.ListedCertificates listed, AuditLog audit) {
        return mount(new FleetCaApi(cas, templates, knownTenant, revocations, listed, audit)::mount);
    }

    /**
     * {@code /siwe/nonce} and {@code /siwe/login}; the login within {@code limits}' per-address bound (the budget
     * {@code /oauth/token} spends, refusals audited as its are).
     */
    public HttpApi siwe(WalletSessions wallets, AuditLog audit, io.edgeauth.broker.policy.rate.TokenRequestLimits limits) {
        return mount(new SiweApi(wallets, !limits.boundsAddresses() ? null : new TokenAddressBudget(limits,
                new TokenEndpointRefusals(new io.edgeauth.broker.oauth.TokenRefusals(audit, meters))))::mount);
    }

    /** Device ownership: admin claim codes, the wallet's self-service claim and its device list. */
    public HttpApi deviceClaims(AdminCredential admin, DeviceRegistry registry, ClaimCodes codes, AuditLog audit) {
        return mount(new DeviceClaimApi(admin, registry, codes, new WalletBearer(bearerTokens()), audit)::mount);
    }

    /** Challenge-signing login for devices registered by Ethereum address. */
    public HttpApi ethDevices(EthDeviceTokenService service) {
        return mount(new EthDeviceLoginApi(service)::mount);
    }

    /** The wallet sign-in page at {@code /login}; the supplier gives the MQTT WebSocket port (-1 if off). */
    public HttpApi loginPage(IntSupplier mqttWebSocketPort) {
        return mount(new LoginPage(mqttWebSocketPort)::mount);
    }

    public HttpApi wellKnown(BrokerConfig config, SigningKeyStore keys) {
        return wellKnown(config, keys, () -> null);
    }

    /** Discovery; {@code mtlsBase} gives the HTTPS listener's base URL (RFC 8705 §5 aliases), or null without one. */
    public HttpApi wellKnown(BrokerConfig config, SigningKeyStore keys, Supplier<String> mtlsBase) {
        return mount(new WellKnownApi(config, keys, mtlsBase)::mount);
    }

    /**
     * {@code /health} (facts plus what is degraded) and {@code /health/ready} (503 while a check fails);
     * {@code /health/live} is always mounted, ahead of the worker queue.
     */
    public HttpApi health(Supplier<JsonObject> facts, io.edgeauth.broker.health.HealthChecks checks) {
        return mount(new HealthApi(facts, checks)::mount);
    }

    public HttpApi metrics(PrometheusMeterRegistry registry) {
        this.meters = registry;
        if (connections != null) {
            connections.register(registry);
        }
        return mount(r -> r.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape())));
    }

    /**
     * Adds a POST route whose handler reads the request body as a stream on the event loop (the request
     * is paused until the handler runs; it must resume it). Runs after the routes mounted so far that
     * match its path (the admin check), before any body handling.
     */
    public HttpApi streamingPost(String exactPath, Handler<RoutingContext> handler) {
        streaming.add(new StreamingRoute(exactPath, handler));
        return this;
    }

    /**
     * Binds one server per event loop on the configured port (Vert.x spreads accepted connections over
     * them, so the API uses every core). Binding comes first, so a broker configured with port 0 knows
     * its URL (the issuer and the token audience) before it builds its services; until
     * {@link #install()} every request gets 503.
     */
    public Future<HttpServer> listen(BrokerConfig.Http http) {
        this.settings = http;
        this.connections = new HttpConnectionLimits(http.maxConnections() > 0 ? http.maxConnections()
                : io.edgeauth.broker.net.OpenFiles.httpShare(io.edgeauth.broker.net.OpenFiles.limit()),
                http.maxConnectionsPerAddress(), new ClientAddresses(http.trustedProxies())::trusted);
        this.workers = vertx.createSharedWorkerExecutor("edgeauth-http-worker", http.workerThreads(), 60,
                TimeUnit.SECONDS);
        // Vert.x shares one bound socket among the servers of a port; a negative port is its way to share
        // one ephemeral port (port 0 would give each server its own)
        int port = http.port() == 0 ? -1 : http.port();
        List<Future<HttpServer>> bound = new ArrayList<>();
        bound.add(listen(http.host(), port, vertx.getOrCreateContext()));
        for (int i = 1; i < EVENT_LOOPS; i++) {
            bound.add(listen(http.host(), port, ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext()));
        }
        return Future.all(bound).map(all -> bound.get(0).result());
    }

    /** The number of HTTP servers (one per event loop). */
    public int serverCount() {
        return servers.size();
    }

    /**
     * The HTTPS listener of the same routes (RFC 8705 {@code tls_client_auth} at {@code /oauth/token}): one
     * server per event loop on {@code tls.port()}, TLS set up by {@link HttpsListener}. Call after {@link #listen}.
     */
    public Future<HttpServer> listenTls(String host, HttpsListener tls) {
        clientCertificateRefusal = tls::clientCertificateRefusal;
        int port = tls.port() == 0 ? -2 : tls.port(); // -2: one shared ephemeral port, not the plain listener's -1
        List<Future<HttpServer>> bound = new ArrayList<>();
        bound.add(listen(tls.options(options(host, port)), ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext()));
        for (int i = 1; i < EVENT_LOOPS; i++) {
            bound.add(listen(tls.options(options(host, port)), ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext()));
        }
        return Future.all(bound).map(all -> bound.get(0).result());
    }

    private HttpServerOptions options(String host, int port) {
        return new HttpServerOptions().setHost(host).setPort(port)
                .setIdleTimeout((int) settings.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxInitialLineLength(8192).setMaxHeaderSize(16 * 1024).setMaxFormAttributeSize(16 * 1024)
                // no h2c upgrades: clients (the JDK's HttpClient among them) ask for one on every plain request
                .setHttp2ClearTextEnabled(false);
    }

    private Future<HttpServer> listen(String host, int port, Context context) {
        return listen(options(host, port), context);
    }

    private Future<HttpServer> listen(HttpServerOptions options, Context context) {
        Promise<HttpServer> bound = Promise.promise();
        context.runOnContext(v -> {
            HttpServer server = vertx.createHttpServer(options).connectionHandler(connections::accept)
                    .requestHandler(request -> {
                Router r = router;
                if (framing.closing(request.connection())) {
                    request.connection().close(); // pipelined behind a request whose framing ends the connection
                } else if (r == null) {
                    request.response().setStatusCode(503).putHeader("retry-after", "1").end();
                } else {
                    r.handle(request);
                }
            });
            servers.add(server);
            server.listen().onComplete(bound);
        });
        return bound.future();
    }

    /** Stops every server and the worker pool. */
    public Future<Void> close() {
        List<Future<Void>> closing = new ArrayList<>();
        servers.forEach(s -> closing.add(s.close()));
        if (workers != null) {
            closing.add(workers.close());
        }
        return Future.all(closing).mapEmpty();
    }

    private boolean isStreaming(RoutingContext ctx) {
        if (ctx.request().method() != HttpMethod.POST) {
            return false;
        }
        String path = FormBodies.routePath(ctx.normalizedPath()); // as the router and the form check see it
        for (StreamingRoute s : streaming) {
            if (s.path().equals(path)) {
                return true;
            }
        }
        return false;
    }

    /** Builds the routes from everything mounted so far and starts serving them. */
    public void install() {
        Router router = Router.router(vertx);
        // HEAD is GET without the body (RFC 9110 §9.3.2; Vert.x's server leaves the body out for a HEAD request):
        // probes and load balancers ask so
        router.route().method(io.vertx.core.http.HttpMethod.HEAD).setName("edgeauth:head")
                .handler(ctx -> ctx.reroute(io.vertx.core.http.HttpMethod.GET, ctx.request().uri()));
        router.route().setName("edgeauth:metrics").handler(new HttpRequestMetrics(meters));
        router.route().setName("edgeauth:framing").handler(framing);
        router.route().setName("edgeauth:client-address").handler(new ClientAddresses(settings.trustedProxies())::handle);
        int retryAfter = settings.retryAfterSeconds();
        router.route().setName("edgeauth:retry-after").handler(ctx -> {
            ctx.put(HttpErrors.RETRY_AFTER_KEY, retryAfter);
            ctx.next();
        });
        RequestReadDeadline deadline = new RequestReadDeadline(vertx, settings.requestReadTimeout().toMillis(),
                this::isStreaming);
        deadline.register(meters);
        router.route().setName("edgeauth:read-deadline").handler(deadline);
        Handler<RoutingContext> bodies = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
        Handler<RoutingContext> offload = new RequestOffload(workers, settings.maxPendingRequests(),
                settings.retryAfterSeconds(), meters);
        FormBodies forms = new FormBodies(MAX_BODY_BYTES);
        router.route().setName("edgeauth:body").handler(ctx -> {
            if (isStreaming(ctx)) {
                ctx.request().pause(); // its handler reads the body itself, on this event loop
                ctx.next();
            } else if (FormBodies.isForm(ctx, OAuthApi.FORM_PATHS)) {
                forms.read(ctx); // decoded by the route, on its worker
            } else {
                bodies.handle(ctx);
            }
        });
        router.route().failureHandler(HttpApi::badBody);
        // liveness on the event loop: a full worker queue or a store outage must not get the process restarted
        router.get("/health/live").setName("/health/live").handler(HealthApi::live);
        router.route().setName("edgeauth:offload").handler(ctx -> {
            if (isStreaming(ctx)) {
                ctx.next();
            } else {
                offload.handle(ctx);
            }
        });
        mounts.forEach(m -> m.accept(router));
        streaming.forEach(s -> router.postWithRegex(java.util.regex.Pattern.quote(s.path()) + "/?").setName(s.path())
                .handler(s.handler()));
        // the router's own 404 and 405: a known path asked with another method (GET /oauth/token) is a 405
        router.errorHandler(404, ctx -> HttpErrors.send(ctx, 404, "not_found", "no such endpoint"));
        router.errorHandler(413, ctx -> HttpErrors.send(ctx, 413, "invalid_request", "body larger than 64 KiB"));
        AllowedMethods allowed = new AllowedMethods(router);
        router.errorHandler(405, ctx -> {
            ctx.response().putHeader("allow", allowed.allow(ctx.normalizedPath())); // RFC 9110 §15.5.6
            HttpErrors.send(ctx, 405, "invalid_request", "method not allowed");
        });
        router.errorHandler(500, ctx -> {
            if (StoreUnavailableException.isCauseOf(ctx.failure())) {
                // the store is out (disk full, Redis down): the client retries, a fleet many times, so one line
                // per minute says it is still going on (the store logs its own cause)
                long leftOut = storeOutageLog.permit();
                if (leftOut >= 0) {
                    LOG.warn("HTTP {} {} refused with 503: {}{}", ctx.request().method(), ctx.normalizedPath(),
                            ctx.failure().getMessage(), io.edgeauth.broker.audit.LogLimiter.leftOut(leftOut));
                }
                HttpErrors.unavailable(ctx, "the broker cannot store this now; retry later");
                return;
            }
            if (io.edgeauth.broker.crypto.SignerUnavailableException.isCauseOf(ctx.failure())) {
                // the HSM lost its session and is being logged in to again (its WARN lines say why): retry later
                HttpErrors.unavailable(ctx, "the broker cannot sign tokens now; retry later");
                return;
            }
            if (ctx.failure() instanceof io.edgeauth.broker.registry.RecordChangedException changed) {
                // a device's record kept changing under a conditional write (concurrent requests): nothing was written
                HttpErrors.send(ctx, 409, "conflict", changed.getMessage() + "; retry");
                return;
            }
            if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) {
                // the client left, or http.requestReadTimeout cut its body off (counted in requests_cut_total)
                LOG.debug("HTTP {} {}: connection closed before the request was read", ctx.request().method(),
                        ctx.normalizedPath());
                return;
            }
            TokenTooLargeException tooLarge = TokenTooLargeException.in(ctx.failure());
            if (tooLarge != null) { // a setting to change, not a bug: said to the operator and the client
                LOG.error("HTTP {} {}: {}", ctx.request().method(), ctx.normalizedPath(), tooLarge.getMessage());
                HttpErrors.send(ctx, 500, "server_error", tooLarge.getMessage());
                return;
            }
            LOG.error("HTTP {} {} failed", ctx.request().method(), ctx.normalizedPath(), ctx.failure());
            HttpErrors.send(ctx, 500, "server_error", "internal error");
        });
        this.router = router;
    }

    /**
     * A body the form decoder refuses (a field over 16 KiB, too many fields, bad encoding) is the client's
     * fault: RFC 6749 {@code invalid_request}, one WARN line without a trace. Anything else goes on to the
     * status handlers above.
     */
    private static void badBody(RoutingContext ctx) {
        Throwable f = ctx.failure();
        if (ctx.statusCode() == 400 || f instanceof java.io.IOException || f instanceof io.netty.handler.codec.DecoderException
                || f != null && f.getClass().getName().startsWith("io.netty.handler.codec.http.multipart.")
                || thrownByTheDecoder(f)) {
            // the path is the client's text: not logged here
            LOG.warn("HTTP {} refused: unreadable request body ({})", ctx.request().method(),
                    f == null ? "status 400" : f.getClass().getSimpleName());
            if (thrownByTheDecoder(f) || f instanceof io.netty.handler.codec.DecoderException) {
                ctx.response().putHeader(io.vertx.core.http.HttpHeaders.CONNECTION, "close");
                ctx.addEndHandler(done -> ctx.request().connection().close());
            }
            HttpErrors.send(ctx, 400, "invalid_request", FormBodies.REFUSED);
            return;
        }
        ctx.next();
    }

    /**
     * A body Netty's HTTP decoder could not frame (a chunk size that is no number: a {@code NumberFormatException} from
     * {@code HttpObjectDecoder}); its connection cannot carry another request. It was an ERROR with a stack trace per
     * request, and no answer.
     */
    private static boolean thrownByTheDecoder(Throwable f) {
        return f != null && f.getStackTrace().length > 0
                && f.getStackTrace()[0].getClassName().startsWith("io.netty.handler.codec.http.");
    }
}
