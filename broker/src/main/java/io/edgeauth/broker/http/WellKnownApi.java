package io.edgeauth.broker.http;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.oauth.TokenExchangeService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Discovery: {@code /.well-known/openid-configuration} and {@code /.well-known/jwks.json} for the
 * default tenant (the JWKS holds every tenant's public keys), and the same under {@code /t/<tenant>}
 * for each tenant's own issuer. JWKS keep retired keys until every token they signed has expired.
 */
final class WellKnownApi {
    private final BrokerConfig config;
    private final SigningKeyStore keys;
    private final java.util.function.Supplier<String> mtlsBase;

    WellKnownApi(BrokerConfig config, SigningKeyStore keys, java.util.function.Supplier<String> mtlsBase) {
        this.config = config;
        this.keys = keys;
        this.mtlsBase = mtlsBase;
    }

    void mount(Router router) {
        router.get("/.well-known/openid-configuration").handler(ctx -> discovery(ctx, "default", true));
        router.get("/.well-known/oauth-authorization-server").handler(ctx -> discovery(ctx, "default", false));
        router.get("/t/:tenant/.well-known/oauth-authorization-server")
                .handler(ctx -> discovery(ctx, ctx.pathParam("tenant"), false));
        router.get("/.well-known/jwks.json").handler(ctx -> jwks(ctx, keys.publicJwks().toString(true)));
        router.get("/t/:tenant/.well-known/openid-configuration").handler(ctx -> discovery(ctx, ctx.pathParam("tenant"), true));
        router.get("/t/:tenant/.well-known/jwks.json").handler(ctx -> {
            if (config.tenant(ctx.pathParam("tenant")) == null) {
                HttpErrors.send(ctx, 404, "not_found", "no such tenant");
                return;
            }
            jwks(ctx, keys.publicJwks(ctx.pathParam("tenant")).toString(true));
        });
    }

    /**
     * The metadata document. {@code oidc}: the OpenID Connect Discovery form, whose required fields claim an implicit
     * flow and ID tokens this server does not have (kept for clients that find {@code jwks_uri} there); the RFC 8414
     * form at {@code oauth-authorization-server} leaves them out and names no response type (there is no authorization
     * endpoint).
     */
    private void discovery(RoutingContext ctx, String tenantId, boolean oidc) {
        BrokerConfig.Tenant tenant = config.tenant(tenantId);
        if (tenant == null) {
            HttpErrors.send(ctx, 404, "not_found", "no such tenant");
            return;
        }
        String base = config.publicUrl();
        String jwks = tenantId.equals("default") ? base + "/.well-known/jwks.json"
                : base + "/t/" + tenantId + "/.well-known/jwks.json";
        JsonObject doc = new JsonObject()
                .put("issuer", config.issuerOf(tenant))
                .put("jwks_uri", jwks)
                .put("token_endpoint", base + "/oauth/token")
                .put("introspection_endpoint", base + "/oauth/introspect")
                .put("revocation_endpoint", base + "/oauth/revoke")
                .put("grant_types_supported", new JsonArray(List.of("client_credentials", "refresh_token",
                        TokenExchangeService.GRANT)))
                .put("token_endpoint_auth_methods_supported", new JsonArray(authMethods(false)))
                .put("token_endpoint_auth_signing_alg_values_supported", new JsonArray(assertionAlgorithms()))
                .put("token_formats_supported", new JsonArray(java.util.Arrays.stream(
                        io.edgeauth.broker.token.TokenFormat.values()).map(f -> f.parameter()).toList()))
                .put("response_types_supported", new JsonArray(oidc ? List.of("token") : List.of()))
                .put("siwe_nonce_endpoint", base + "/siwe/nonce")
                .put("siwe_login_endpoint", base + "/siwe/login");
        if (oidc) {
            doc.put("id_token_signing_alg_values_supported", new JsonArray(List.of(tenant.algorithm())))
                    .put("subject_types_supported", new JsonArray(List.of("public")));
        }
        String mtls = mtlsBase.get();
        if (mtls != null) { // RFC 8705 §3.3 and §5
            doc.put("token_endpoint_auth_methods_supported", new JsonArray(authMethods(true)))
                    .put("tls_client_certificate_bound_access_tokens", true)
                    .put("mtls_endpoint_aliases", new JsonObject().put("token_endpoint", mtls + "/oauth/token"));
        }
        ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", "max-age=300")
                .end(doc.encodePrettily());
    }

    /** What a client may authenticate with here: enrollment groups add HS256 {@code client_secret_jwt}. */
    private List<String> authMethods(boolean mtls) {
        List<String> methods = new java.util.ArrayList<>(List.of("private_key_jwt"));
        if (!config.provisioning().enrollmentGroups().isEmpty()) {
            methods.add("client_secret_jwt");
        }
        if (mtls) {
            methods.add("tls_client_auth");
        }
        return methods;
    }

    private List<String> assertionAlgorithms() {
        List<String> algorithms = new java.util.ArrayList<>(List.of("ES256", "EdDSA", "RS256"));
        if (!config.provisioning().enrollmentGroups().isEmpty()) {
            algorithms.add("HS256");
        }
        return algorithms;
    }

    private static void jwks(RoutingContext ctx, String json) {
        // public keys only (toString(true)); short cache so rotations propagate within a minute
        ctx.response().putHeader("content-type", "application/jwk-set+json").putHeader("cache-control", "max-age=60")
                .end(json);
    }
}
