package io.edgeauth.broker.http;

import io.edgeauth.broker.provisioning.DeviceEnrollment;
import io.edgeauth.broker.oauth.DeviceTokenService;
import io.edgeauth.broker.oauth.ServiceTokenService;
import io.edgeauth.broker.oauth.TokenChannel;
import io.edgeauth.broker.oauth.TokenExchangeService;
import io.edgeauth.broker.policy.rate.TokenRequestLimits;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import io.edgeauth.broker.wallet.WalletSessions;
import io.edgeauth.broker.refusal.ClientText;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OAuth 2.0 endpoints: {@code /oauth/token} (client_credentials with RFC 7523 assertions, of devices and
 * of service clients,
 * refresh_token, RFC 8693 token exchange), {@code /oauth/introspect} (RFC 7662) and
 * {@code /oauth/revoke} (RFC 7009). Errors follow RFC 6749 §5.2.
 */
final class OAuthApi {
    private static final Logger LOG = LoggerFactory.getLogger(OAuthApi.class);
    private static final String TOKEN = "/oauth/token";
    private static final String INTROSPECT = "/oauth/introspect";
    private static final String REVOKE = "/oauth/revoke";
    /** The paths whose bodies are forms, read by {@link FormBodies} instead of Vert.x's body handler. */
    static final java.util.Set<String> FORM_PATHS = java.util.Set.of(TOKEN, INTROSPECT, REVOKE);
    private static final String INTROSPECTION_NEEDS = "introspection needs the admin credential or a token with scope"
            + " introspect";
    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static final String CLIENT_CREDENTIALS = "client_credentials";

    private final DeviceEnrollment devices;
    private final ServiceTokenService services;
    private final WalletSessions wallets;
    private final TokenExchangeService exchange;
    private final BearerTokens tokens;
    private final RevocationService revocations;
    private final AdminGuard admin;
    private final TokenEndpointRefusals refusals;
    private final TokenAddressBudget addressBudget;
    private final java.util.function.Function<java.security.cert.Certificate[], String> clientCertificateRefusal;

    OAuthApi(DeviceEnrollment devices, ServiceTokenService services, WalletSessions wallets, TokenExchangeService exchange, BearerTokens tokens,
             RevocationService revocations, AdminGuard admin, TokenEndpointRefusals refusals, TokenRequestLimits limits,
             java.util.function.Function<java.security.cert.Certificate[], String> clientCertificateRefusal) {
        this.refusals = refusals;
        this.clientCertificateRefusal = clientCertificateRefusal;
        this.addressBudget = limits.boundsAddresses() ? new TokenAddressBudget(limits, refusals) : null;
        this.devices = devices;
        this.services = services;
        this.wallets = wallets;
        this.exchange = exchange;
        this.tokens = tokens;
        this.revocations = revocations;
        this.admin = admin;
    }

    void mount(Router router) {
        if (addressBudget != null) { // off by default: no per-request address lookup for a bound that is not set
            router.post(TOKEN).handler(addressBudget);
        }
        router.post(TOKEN).handler(this::token);
        router.post(INTROSPECT).handler(this::introspect);
        router.post(REVOKE).handler(this::revoke);
    }

    private void token(RoutingContext ctx) {
        MultiMap form = form(ctx);
        if (form == null) { // answered 400 or 415 without reading a grant
            refusals.refused(ctx, null, RejectionReason.MALFORMED,
                    "form refused (HTTP " + ctx.response().getStatusCode() + ")");
            return;
        }
        TokenFormat format;
        try {
            format = TokenFormat.parse(form.get("token_format"));
        } catch (IllegalArgumentException e) {
            refusals.send(ctx, form.get("grant_type"), 400, "invalid_request", e.getMessage());
            return;
        }
        String grant = form.get("grant_type");
        if (grant == null) {
            refusals.send(ctx, null, 400, "invalid_request", "grant_type is required");
            return;
        }
        switch (grant) {
            case "client_credentials" -> clientCredentials(ctx, form, format);
            case "refresh_token" -> refresh(ctx, form, format);
            case TokenExchangeService.GRANT -> exchange(ctx, form, format);
            default -> refusals.send(ctx, grant, 400, "unsupported_grant_type",
                    "supported: client_credentials, refresh_token, " + TokenExchangeService.GRANT);
        }
    }

    private void clientCredentials(RoutingContext ctx, MultiMap form, TokenFormat format) {
        if (!ClientAuthentication.checked(ctx, form)) {
            refusals.refused(ctx, CLIENT_CREDENTIALS, RejectionReason.MALFORMED, "client authentication method refused");
            return;
        }
        if (form.get("client_assertion_type") == null && form.get("client_assertion") == null && ctx.request().isSSL()) {
            mutualTls(ctx, form, format);
            return;
        }
        if (!ASSERTION_TYPE.equals(form.get("client_assertion_type")) || form.get("client_assertion") == null) {
            refusals.send(ctx, CLIENT_CREDENTIALS, 400, "invalid_request",
                    "client_credentials needs client_assertion_type="
                    + ASSERTION_TYPE + " and a client_assertion (RFC 7523 private_key_jwt), or, on the HTTPS listener,"
                    + " a client certificate and client_id (RFC 8705 tls_client_auth)");
            return;
        }
        // RFC 8707 resource / RFC 8693-style audience: a registered resource server instead of the broker
        List<String> targets = new java.util.ArrayList<>(form.getAll("audience"));
        targets.addAll(form.getAll("resource"));
        String audience = targets.isEmpty() ? null : targets.get(0);
        boolean fromService = services.handles(form.get("client_assertion"));
        // one rule with CoAP's /token; a service, or several targets, are never one registered resource server
        DeviceTokenService.TargetRefusal refusal = audience == null ? null : targets.size() > 1 || fromService
                ? DeviceTokenService.NOT_ONE_RESOURCE_SERVER : devices.targetRefusal(audience, format);
        if (refusal != null) {
            refusals.send(ctx, CLIENT_CREDENTIALS, 400, refusal.error(), refusal.description());
            return;
        }
        if (fromService) {
            serviceCredentials(ctx, form, format);
            return;
        }
        try {
            IssuedToken token = devices.issue(form.get("client_assertion"), format, form.get("scope"),
                    new TokenChannel("http", TokenEndpointRefusals.remote(ctx)), audience);
            HttpErrors.tokens(ctx, tokenResponse(token, form.get("scope")));
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.CLIENT_AUTHENTICATION);
            refusals.refused(ctx, CLIENT_CREDENTIALS, e); // audited by the grant's service: not again
        }
    }

    /**
     * RFC 8705 {@code tls_client_auth}: the client certificate of this connection's handshake authenticates the
     * device named by {@code client_id}; the token is bound to the certificate ({@code cnf x5t#S256}).
     */
    private void mutualTls(RoutingContext ctx, MultiMap form, TokenFormat format) {
        String clientId = form.get("client_id");
        if (clientId == null || clientId.isEmpty() || clientId.length() > 256) {
            refusals.send(ctx, CLIENT_CREDENTIALS, 400, "invalid_request",
                    "tls_client_auth needs client_id, the device id (RFC 8705 §2)");
            return;
        }
        if (!form.getAll("audience").isEmpty() || !form.getAll("resource").isEmpty()) { // as CoAP's /token does
            DeviceTokenService.TargetRefusal r = DeviceTokenService.CERTIFICATE_TOKEN_TARGET;
            refusals.send(ctx, CLIENT_CREDENTIALS, 400, r.error(), r.description());
            return;
        }
        List<X509Certificate> chain = peerChain(ctx);
        if (chain.isEmpty()) {
            refusals.send(ctx, CLIENT_CREDENTIALS, 401, "invalid_client",
                    "tls_client_auth: no client certificate in the TLS handshake");
            return;
        }
        try {
            String refusedNow = clientCertificateRefusal.apply(chain.toArray(new java.security.cert.Certificate[0]));
            if (refusedNow != null) { // a connection from before a reload of http.tls's trust store or CRL
                throw new TokenRejectedException(RejectionReason.REVOKED, "the client certificate of this TLS session is"
                        + " refused now (" + refusedNow + ")");
            }
            IssuedToken token = devices.issueForClientCertificate(clientId, chain, format, form.get("scope"),
                    new TokenChannel("https", TokenEndpointRefusals.remote(ctx)));
            HttpErrors.tokens(ctx, tokenResponse(token, form.get("scope")));
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.CLIENT_AUTHENTICATION);
            refusals.refused(ctx, CLIENT_CREDENTIALS, e); // audited by the grant's service: not again
        }
    }

    /** The verified client chain of the connection, leaf first; empty when the client sent none. */
    private static List<X509Certificate> peerChain(RoutingContext ctx) {
        javax.net.ssl.SSLSession session = ctx.request().connection().sslSession();
        List<X509Certificate> chain = new java.util.ArrayList<>();
        try {
            for (java.security.cert.Certificate c : session == null ? new java.security.cert.Certificate[0]
                    : session.getPeerCertificates()) {
                if (!(c instanceof X509Certificate x)) {
                    return List.of();
                }
                chain.add(x);
            }
        } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
            return List.of();
        }
        return chain;
    }

    /** A service client's grant: a scope beyond its grants is {@code invalid_scope}, never silently narrowed. */
    private void serviceCredentials(RoutingContext ctx, MultiMap form, TokenFormat format) {
        try {
            IssuedToken token = services.issue(form.get("client_assertion"), format, form.get("scope"),
                    TokenEndpointRefusals.remote(ctx));
            HttpErrors.tokens(ctx, tokenResponse(token, form.get("scope")));
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.SERVICE_GRANT);
        }
    }

    private void refresh(RoutingContext ctx, MultiMap form, TokenFormat format) {
        String presented = form.get("refresh_token");
        if (presented == null) {
            refusals.send(ctx, "refresh_token", 400, "invalid_request", "refresh_token is required");
            return;
        }
        Optional<WalletSessions.TokenPair> pair;
        try {
            pair = wallets.refresh(presented, format, TokenEndpointRefusals.remote(ctx)); // audits its refusals
        } catch (TokenRejectedException overBudget) { // the wallet's token budget: 429 with the wait
            HttpRefusals.send(ctx, overBudget, HttpRefusals.Where.CLIENT_AUTHENTICATION);
            return;
        }
        pair.ifPresentOrElse(
                p -> HttpErrors.tokens(ctx, tokenResponse(p.access(), null).put("refresh_token", p.refresh())),
                () -> HttpErrors.send(ctx, 400, "invalid_grant", "refresh token is invalid, expired or revoked"));
    }

    /**
     * RFC 8693. The client authenticates like a device at {@code client_credentials} (RFC 7523
     * {@code private_key_jwt}); token types are compared exactly. Refusals: client authentication
     * {@code invalid_client} (401), a wider scope {@code invalid_scope}, a bad, expired or revoked subject or
     * actor token {@code invalid_request} (RFC 8693 §2.2.2).
     */
    private void exchange(RoutingContext ctx, MultiMap form, TokenFormat format) {
        String subject = form.get("subject_token");
        String subjectType = form.get("subject_token_type");
        String actor = form.get("actor_token");
        String actorType = form.get("actor_token_type");
        String missing = subject == null ? "subject_token" : subjectType == null ? "subject_token_type"
                : actor != null && actorType == null ? "actor_token_type" : actor == null && actorType != null ? "actor_token"
                : null;
        if (missing != null) { // named first: a type check on a missing value was a 500 (Set.of rejects null)
            refusals.send(ctx, TokenExchangeService.GRANT, 400, "invalid_request", missing + " is required (RFC 8693 §2.1): token exchange needs"
                    + " subject_token and subject_token_type, and actor_token_type with actor_token");
            return;
        }
        if (!TokenExchangeService.ACCEPTED_TYPES.contains(subjectType)
                || actor != null && !TokenExchangeService.ACCEPTED_TYPES.contains(actorType)) {
            refusals.send(ctx, TokenExchangeService.GRANT, 400, "invalid_request", "subject_token_type and actor_token_type must each be "
                    + TokenExchangeService.ACCESS_TOKEN_TYPE + " or " + TokenExchangeService.JWT_TYPE);
            return;
        }
        if (!form.getAll("audience").isEmpty() || !form.getAll("resource").isEmpty()) {
            // RFC 8693 §2.2.2: a target the server will not issue for is refused, not ignored (the token would be
            // valid on every edge of the broker, wider than the client asked)
            refusals.send(ctx, TokenExchangeService.GRANT, 400, "invalid_target", "an exchanged token is for this broker only: no audience or"
                    + " resource; a device asks /oauth/token client_credentials for a resource server's token");
            return;
        }
        String requestedType = form.get("requested_token_type");
        if (requestedType != null && !TokenExchangeService.ACCESS_TOKEN_TYPE.equals(requestedType)) {
            refusals.send(ctx, TokenExchangeService.GRANT, 400, "invalid_request", "requested_token_type: only "
                    + TokenExchangeService.ACCESS_TOKEN_TYPE + " is issued");
            return;
        }
        if (!ClientAuthentication.checked(ctx, form)) {
            refusals.refused(ctx, TokenExchangeService.GRANT, RejectionReason.MALFORMED,
                    "client authentication method refused");
            return;
        }
        if (!ASSERTION_TYPE.equals(form.get("client_assertion_type")) || form.get("client_assertion") == null) {
            refusals.send(ctx, TokenExchangeService.GRANT, 401, "invalid_client", "token exchange needs client authentication: client_assertion_type="
                    + ASSERTION_TYPE + " and a client_assertion signed by the subject's or the actor's registered key");
            return;
        }
        Device client;
        try {
            client = devices.authenticate(form.get("client_assertion"));
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.CLIENT_AUTHENTICATION);
            refusals.refused(ctx, TokenExchangeService.GRANT, e);
            return;
        }
        try {
            IssuedToken token = exchange.exchange(client, new TokenExchangeService.Presented(subject, subjectType),
                    actor == null ? null : new TokenExchangeService.Presented(actor, actorType), form.get("scope"), format);
            HttpErrors.tokens(ctx, tokenResponse(token, form.get("scope"))
                    .put("issued_token_type", TokenExchangeService.ACCESS_TOKEN_TYPE));
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.TOKEN_EXCHANGE);
            refusals.refused(ctx, TokenExchangeService.GRANT, e);
        }
    }

    /** The RFC 6749 §5.1 answer; {@code scope} is what was granted, said whenever something was requested. */
    static JsonObject tokenResponse(IssuedToken token, String requested) {
        JsonObject o = new JsonObject()
                .put("access_token", token.asText())
                .put("token_type", "Bearer")
                .put("expires_in", token.expiresInSeconds());
        if (token.format() != TokenFormat.JWT) {
            o.put("token_format", token.format().parameter());
        }
        if (!token.scope().isEmpty() || requested != null && !requested.isBlank()) {
            o.put("scope", String.join(" ", token.scope()));
        }
        return o;
    }

    /**
     * RFC 7662: callers authenticate with the admin credential (every tenant) or a token in force carrying
     * scope {@code introspect} (which only an operator's allowlist or a trusted issuer grants); such a caller
     * learns only about tokens of its own tenant: any other answers {@code active: false}.
     */
    private void introspect(RoutingContext ctx) {
        AdminGuard.Verdict verdict = admin.check(ctx); // a wrong admin credential counts here as on /admin/*
        if (verdict == AdminGuard.Verdict.ANSWERED) {
            return;
        }
        boolean isAdmin = verdict == AdminGuard.Verdict.ADMIN;
        // RFC 7662 §2.3: a bearer caller is answered as RFC 6750 §3 says (invalid_token, insufficient_scope)
        Optional<BearerTokens.Active> caller = isAdmin ? Optional.empty()
                : Optional.ofNullable(tokens.require(ctx, INTROSPECTION_NEEDS));
        if (!isAdmin && caller.isEmpty()) {
            return;
        }
        if (!isAdmin && !caller.get().token().scope().contains("introspect")) {
            HttpErrors.send(ctx, 403, "insufficient_scope", INTROSPECTION_NEEDS);
            return;
        }
        String token = tokenParameter(ctx);
        if (token == null) {
            return;
        }
        Optional<BearerTokens.Active> active = tokens.inspect(token)
                .filter(t -> isAdmin || t.tenant().equals(caller.get().tenant()));
        if (active.isEmpty()) {
            HttpErrors.json(ctx, 200, new JsonObject().put("active", false));
            return;
        }
        VerifiedToken t = active.get().token();
        JsonObject o = new JsonObject().put("active", true).put("token_type", "Bearer")
                // RFC 7662 §2.2: the client that requested the token; an exchanged token's was its actor (tour AG, AG4)
                .put("iss", t.issuer()).put("sub", t.subject()).put("client_id", t.actor() != null ? t.actor() : t.subject())
                .put("exp", t.expiresAt().getEpochSecond()).put("iat", t.issuedAt().getEpochSecond());
        if (!t.audience().isEmpty()) {
            o.put("aud", new JsonArray(t.audience()));
        }
        putIfPresent(o, "nbf", t.notBefore() == null ? null : t.notBefore().getEpochSecond());
        putIfPresent(o, "jti", t.tokenId());
        o.put("tenant_id", active.get().tenant());
        putIfPresent(o, "region", t.region());
        putIfPresent(o, "owner", t.owner());
        if (!t.scope().isEmpty()) {
            o.put("scope", String.join(" ", t.scope()));
        }
        if (!t.geo().isEmpty()) {
            o.put("geo", new JsonArray(t.geo()));
        }
        if (t.actor() != null) {
            o.put("act", new JsonObject().put("sub", t.actor()));
        }
        if (!t.parentTokenIds().isEmpty()) {
            o.put("parent_jti", new JsonArray(t.parentTokenIds()));
        }
        if (!t.cnf().isEmpty()) {
            JsonObject cnf = new JsonObject();
            putIfPresent(cnf, "x5t#S256", t.cnf().x5tS256());
            putIfPresent(cnf, "jkt", t.cnf().jkt());
            o.put("cnf", cnf);
        }
        o.put("token_format", t.format().parameter());
        HttpErrors.json(ctx, 200, o);
    }

    /**
     * RFC 7009: the admin revokes any access token; a holder revokes its own (the bearer and the token share a
     * subject). A refresh token needs no credential: a wallet is a public client and the token proves possession
     * (§2.1), so a logout works after the access token expired; it ends its family and the family's access tokens.
     * Unknown or invalid tokens still answer 200; a holder's own token the broker did not sign (its {@code jti} is the
     * holder's choice) is {@code unsupported_token_type}.
     */
    private void revoke(RoutingContext ctx) {
        String token = tokenParameter(ctx);
        if (token == null) {
            return;
        }
        if (token.startsWith("rt_")) {
            wallets.revokeRefreshToken(token);
            ctx.response().setStatusCode(200).putHeader("cache-control", "no-store").end();
            return;
        }
        AdminGuard.Verdict verdict = admin.check(ctx);
        if (verdict == AdminGuard.Verdict.ANSWERED) {
            return;
        }
        boolean isAdmin = verdict == AdminGuard.Verdict.ADMIN;
        Optional<BearerTokens.Active> caller = isAdmin ? Optional.empty() : Optional.ofNullable(
                tokens.require(ctx, "revocation needs the admin credential or the holder's own bearer token"));
        if (!isAdmin && caller.isEmpty()) {
            return;
        }
        Optional<BearerTokens.Active> target = tokens.inspect(token);
        boolean own = target.isPresent() && caller.isPresent()
                && caller.get().subject().equals(target.get().subject())
                && caller.get().tenant().equals(target.get().tenant());
        if (own && !exchange.signedHere(target.get().token())) {
            // a jti revocation holds for every token with that jti or parent_jti, of every tenant: the holder of a token
            // it or an outside issuer signed chose its jti, and could name another principal's (tour AG, AG1)
            HttpErrors.send(ctx, 400, "unsupported_token_type", "the broker revokes by jti only the tokens it signed;"
                    + " a token signed with a tenant's shared secret or by an outside issuer is revoked by its subject"
                    + " (POST /admin/revocations) or at its issuer (RFC 7009 §2.2.1)");
            return;
        }
        if (target.isPresent() && target.get().token().tokenId() != null && (isAdmin || own)) {
            revocations.revoke(Revocation.Kind.JTI, target.get().token().tokenId(),
                    "revoked by " + (isAdmin ? "admin" : "holder"));
        }
        ctx.response().setStatusCode(200).putHeader("cache-control", "no-store").end();
    }

    /** The {@code token} form parameter of introspection and revocation, or null after answering 400. */
    private static String tokenParameter(RoutingContext ctx) {
        MultiMap form = form(ctx);
        if (form == null) {
            return null;
        }
        String token = form.get("token");
        if (token == null) {
            HttpErrors.send(ctx, 400, "invalid_request", "token is required");
        }
        return token;
    }

    private static MultiMap form(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (type == null) {
            HttpErrors.send(ctx, 400, "invalid_request", "expected application/x-www-form-urlencoded");
            return null;
        }
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) { // as every endpoint: 415
            HttpErrors.unsupportedType(ctx, "application/x-www-form-urlencoded", type);
            return null;
        }
        try {
            MultiMap form = FormBodies.decode(ctx);
            if (form != null) {
                String twice = repeated(form);
                if (twice != null) {
                    HttpErrors.send(ctx, 400, "invalid_request", "parameter '" + ClientText.cut(twice, 64)
                            + "' appears more than once (RFC 6749 §3.2)");
                    return null;
                }
                return form;
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("HTTP {} refused: unreadable form ({})", ctx.normalizedPath(), e.getMessage());
        }
        HttpErrors.send(ctx, 400, "invalid_request", FormBodies.REFUSED);
        return null;
    }

    /**
     * A parameter sent more than once, or null: RFC 6749 §3.2 forbids it, and taking the first would let a proxy that
     * reads the last see another request. RFC 8693's {@code audience} and {@code resource} may repeat.
     */
    private static String repeated(MultiMap form) {
        for (String name : form.names()) {
            if (form.getAll(name).size() > 1 && !"audience".equalsIgnoreCase(name) && !"resource".equalsIgnoreCase(name)) {
                return name;
            }
        }
        return null;
    }

    private static void putIfPresent(JsonObject o, String key, Object value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
