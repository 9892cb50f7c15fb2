package io.edgeauth.broker.http;

import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.wallet.WalletSessions;
import io.edgeauth.wallet.SiweException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * Sign-In with Ethereum over HTTP: {@code GET /siwe/nonce} (rate-limited per source address) and
 * {@code POST /siwe/login} {@code {message, signature}}, which counts against {@code tokenRequests.perAddressPerMinute}
 * when that is set, as {@code /oauth/token} does (one budget per address). Verification runs on a worker thread because
 * an EIP-1271 contract-wallet check asks a JSON-RPC node.
 */
final class SiweApi {
    private final WalletSessions sessions;
    private final TokenAddressBudget addressBudget;
    private final LocalRateLimits nonceLimits = new LocalRateLimits(
            new LocalRateLimits.Settings(1, 60, 0, 100_000, Duration.ofMinutes(10)));

    /** @param addressBudget the token endpoints' per-address bound, or null when it is off */
    SiweApi(WalletSessions sessions, TokenAddressBudget addressBudget) {
        this.sessions = sessions;
        this.addressBudget = addressBudget;
    }

    void mount(Router router) {
        router.get("/siwe/nonce").handler(this::nonce);
        if (addressBudget != null) { // before the body is read: a refused login costs no parse, recovery or RPC call
            router.post("/siwe/login").handler(addressBudget);
        }
        router.post("/siwe/login").handler(this::login);
    }

    private void nonce(RoutingContext ctx) {
        if (!nonceLimits.tryConnect(null, ClientAddresses.inetOf(ctx))) {
            ctx.response().putHeader("retry-after", "1"); // the per-address budget (60 a minute) refills one a second
            HttpErrors.send(ctx, 429, "slow_down", "too many nonce requests from this address");
            return;
        }
        HttpErrors.json(ctx, 200, new JsonObject().put("nonce", sessions.nonce()));
    }

    private void login(RoutingContext ctx) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null || !JsonBodies.onlyFields(ctx, body, java.util.List.of("message", "signature"), "a login")) {
            return;
        }
        if (!(body.getValue("message") instanceof String message) || !(body.getValue("signature") instanceof String signature)) {
            HttpErrors.send(ctx, 400, "invalid_request", "body must be {\"message\": <EIP-4361 text>, \"signature\": <0x hex>}");
            return;
        }
        String remote = TokenEndpointRefusals.remote(ctx);
        ctx.vertx().executeBlocking(() -> sessions.login(message, signature, remote), false)
                .onSuccess(login -> HttpErrors.tokens(ctx, OAuthApi.tokenResponse(login.tokens().access(), null)
                        .put("refresh_token", login.tokens().refresh())
                        .put("address", login.login().address())
                        .put("sub", login.login().did())))
                .onFailure(e -> {
                    if (e instanceof SiweException se) {
                        String description = se.code().name().toLowerCase(java.util.Locale.ROOT) + ": " + se.getMessage();
                        switch (se.category()) {
                            case MALFORMED -> HttpErrors.send(ctx, 400, "invalid_request", description);
                            // the contract-wallet node is slow or down: retry later, as every 503 says
                            case UNAVAILABLE -> HttpErrors.unavailable(ctx, description);
                            default -> HttpErrors.send(ctx, 401, "access_denied", description);
                        }
                    } else if (e instanceof io.edgeauth.broker.refusal.TokenRejectedException tre) {
                        HttpRefusals.send(ctx, tre, HttpRefusals.Where.WALLET_LOGIN);
                    } else {
                        ctx.fail(e);
                    }
                });
    }
}
