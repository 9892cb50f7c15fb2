package io.edgeauth.broker.http;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.admin.KeyRotator;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.oauth.DeviceTokenService;
import io.edgeauth.broker.oauth.EthDeviceTokenService;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.wallet.ClaimCodes;
import io.edgeauth.broker.oauth.TokenExchangeService;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.wallet.WalletSessions;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.RevocationService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (Vert.x Web): well-known documents, OAuth endpoints, admin API, health and metrics.
 * Bodies are capped before parsing; errors are RFC 6749 JSON; unexpected failures answer 500 without
 * details and are logged.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    static final long MAX_BODY_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final List<Consumer<Router>> mounts = new ArrayList<>();
    private volatile Router router;

    public HttpApi(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Adds routes (the OAuth, SIWE and other API parts mount themselves through this). */
    public HttpApi mount(Consumer<Router> routes) {
        mounts.add(routes);
        return this;
    }

    public HttpApi admin(AdminCredential credential, DeviceRegistry registry, DeviceValidator validator,
                         RevocationService revocations, KeyRotator keys, AuditLog audit) {
        return mount(new AdminApi(credential, registry, validator, revocations, keys, audit)::mount);
    }

    /** OAuth endpoints; bearer tokens are checked by {@link BearerTokens} (verifier, revocation, issuer's tenant). */
    public HttpApi oauth(DeviceTokenService devices, WalletSessions wallets, TokenExchangeService exchange,
                         TokenVerifier verifier, RevocationService revocations, Function<String, String> tenantOfIssuer,
                         AdminCredential admin) {
        return mount(new OAuthApi(devices, wallets, exchange, new BearerTokens(verifier, revocations, tenantOfIssuer),
                revocations, admin)::mount);
    }

    public HttpApi siwe(WalletSessions wallets) {
        return mount(new SiweApi(wallets)::mount);
    }

    /** Device ownership: admin claim codes, the wallet's self-service claim and its device list. */
    public HttpApi deviceClaims(AdminCredential admin, DeviceRegistry registry, ClaimCodes codes, TokenVerifier verifier,
                                RevocationChecker revocations, Function<String, String> tenantOfIssuer, AuditLog audit) {
        return mount(new DeviceClaimApi(admin, registry, codes, new WalletBearer(new BearerTokens(verifier, revocations,
                tenantOfIssuer)),
                audit)::mount);
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
        return mount(new WellKnownApi(config, keys)::mount);
    }

    public HttpApi health(Supplier<JsonObject> status) {
        return mount(r -> r.get("/health").handler(ctx -> HttpErrors.json(ctx, 200, status.get())));
    }

    public HttpApi metrics(PrometheusMeterRegistry registry) {
        return mount(r -> r.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape())));
    }

    /**
     * Binds the listener first, so a broker configured with port 0 knows its URL (the issuer and the
     * token audience) before it builds its services; until {@link #install()} every request gets 503.
     */
    public Future<HttpServer> listen(String host, int port) {
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
                .setMaxInitialLineLength(8192).setMaxHeaderSize(16 * 1024).setMaxFormAttributeSize(16 * 1024)
                // no h2c upgrades: clients (the JDK's HttpClient among them) ask for one on every plain request
                .setHttp2ClearTextEnabled(false);
        return vertx.createHttpServer(options).requestHandler(request -> {
            Router r = router;
            if (r == null) {
                request.response().setStatusCode(503).putHeader("retry-after", "1").end();
            } else {
                r.handle(request);
            }
        }).listen();
    }

    /** Builds the routes from everything mounted so far and starts serving them. */
    public void install() {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        router.route().failureHandler(HttpApi::badBody);
        mounts.forEach(m -> m.accept(router));
        router.route().last().handler(ctx -> HttpErrors.send(ctx, 404, "not_found", "no such endpoint"));
        router.errorHandler(413, ctx -> HttpErrors.send(ctx, 413, "invalid_request", "body larger than 64 KiB"));
        router.errorHandler(405, ctx -> HttpErrors.send(ctx, 405, "invalid_request", "method not allowed"));
        router.errorHandler(500, ctx -> {
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
                || f != null && f.getClass().getName().startsWith("io.netty.handler.codec.http.multipart.")) {
            // the path is the client's text: not logged here
            LOG.warn("HTTP {} refused: unreadable request body ({})", ctx.request().method(),
                    f == null ? "status 400" : f.getClass().getSimpleName());
            HttpErrors.send(ctx, 400, "invalid_request",
                    "request body refused: form fields are limited to 16 KiB each and must be valid form encoding");
            return;
        }
        ctx.next();
    }
}
