package io.edgeauth.broker.http;

import io.edgeauth.broker.oauth.EthDeviceTokenService;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.token.TokenFormat;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * Ethereum-keyed devices over HTTP: {@code GET /device/eth-challenge?deviceId=...} answers
 * {@code {challenge, expiresAt}} (rate-limited per source address); {@code POST /device/eth-login}
 * {@code {deviceId, challenge, signature, token_format?, scope?}} answers like {@code /oauth/token}.
 * Neither tells which ids exist: any well-formed id gets a challenge, and an unknown device, a device
 * registered with a JWK or certificate and a signature by another key all get the same
 * {@code invalid_client} (401). An unknown, spent or expired challenge is {@code invalid_grant}.
 */
final class EthDeviceLoginApi {
    private final EthDeviceTokenService service;
    private final LocalRateLimits challengeLimits = new LocalRateLimits(
            new LocalRateLimits.Settings(1, 120, 0, 100_000, Duration.ofMinutes(10)));

    EthDeviceLoginApi(EthDeviceTokenService service) {
        this.service = service;
    }

    void mount(Router router) {
        router.get("/device/eth-challenge").handler(this::challenge);
        router.post("/device/eth-login").handler(this::login);
    }

    private void challenge(RoutingContext ctx) {
        String deviceId = ctx.queryParams().get("deviceId");
        if (!DeviceValidator.isWellFormedId(deviceId)) { // syntax only: says nothing about the registry
            HttpErrors.send(ctx, 400, "invalid_request",
                    "deviceId query parameter is required: 1-128 of A-Z a-z 0-9 _ . : - (starting with a letter or digit)");
            return;
        }
        if (!challengeLimits.tryConnect(null, ClientAddresses.inetOf(ctx))) {
            ctx.response().putHeader("retry-after", "1"); // the per-address budget (120 a minute) refills two a second
            HttpErrors.send(ctx, 429, "slow_down", "too many challenge requests from this address");
            return;
        }
        // on a worker like the login: the store write must not hold the event loop (and takes as long for any id)
        ctx.vertx().executeBlocking(() -> service.challenge(deviceId), false)
                .onSuccess(c -> HttpErrors.json(ctx, 200, new JsonObject().put("deviceId", deviceId)
                        .put("challenge", c.text()).put("expiresAt", c.expiresAt().toString())))
                .onFailure(ctx::fail);
    }

    private void login(RoutingContext ctx) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null || !JsonBodies.onlyFields(ctx, body,
                java.util.List.of("deviceId", "challenge", "signature", "token_format", "scope"), "a login")) {
            return;
        }
        if (!(body.getValue("deviceId") instanceof String deviceId) || !(body.getValue("challenge") instanceof String challenge)
                || !(body.getValue("signature") instanceof String signature)) {
            HttpErrors.send(ctx, 400, "invalid_request",
                    "body must be {\"deviceId\", \"challenge\", \"signature\": <0x r||s||v>, \"token_format\"?: jwt|cwt}");
            return;
        }
        TokenFormat format;
        String scope = body.getValue("scope") instanceof String s ? s : null;
        try {
            format = TokenFormat.parse(body.getValue("token_format") instanceof String f ? f : null);
        } catch (IllegalArgumentException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
            return;
        }
        ctx.vertx().executeBlocking(() -> service.login(deviceId, challenge, signature, format, scope,
                new io.edgeauth.broker.oauth.TokenChannel("http", TokenEndpointRefusals.remote(ctx))), false)
                .onSuccess(token -> HttpErrors.tokens(ctx, OAuthApi.tokenResponse(token, scope)))
                .onFailure(e -> {
                    if (e instanceof TokenRejectedException tre) {
                        HttpRefusals.send(ctx, tre, HttpRefusals.Where.DEVICE_LOGIN);
                    } else {
                        ctx.fail(e);
                    }
                });
    }
}
