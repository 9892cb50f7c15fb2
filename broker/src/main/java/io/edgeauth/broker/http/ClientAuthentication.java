package io.edgeauth.broker.http;

import io.edgeauth.broker.refusal.ClientText;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

/**
 * The checks on how a token request authenticates its client, made before the assertion is verified (so a refused
 * request spends no {@code jti}): RFC 6749 §2.3 "The client MUST NOT use more than one authentication method in each
 * request", so an assertion beside an {@code Authorization} header of a scheme other than Bearer, or a
 * {@code client_secret}, is refused, since the
 * broker could not tell which identity the client meant; RFC 7523 §3, the assertion's {@code sub} MUST be the
 * {@code client_id}, so a {@code client_id} naming another client is refused; and {@code Authorization: Basic}
 * (not a method here) is answered 401 with a Basic challenge (RFC 6749 §5.2). A client certificate in the TLS
 * handshake is not a method by itself: {@code tls_client_auth} is a certificate with a {@code client_id} and no
 * other credential (RFC 8705 §2). With an assertion the assertion authenticates, and a {@code client_id} that names
 * the certificate's device and not the assertion's is refused by the {@code sub} rule. Stateless.
 */
final class ClientAuthentication {
    static final String BASIC_CHALLENGE = "Basic realm=\"edgeauth\"";

    private ClientAuthentication() {
    }

    /**
     * True when the request may go on; false after answering. Called by the grants that authenticate their client
     * ({@code client_credentials}, token exchange).
     */
    static boolean checked(RoutingContext ctx, MultiMap form) {
        String authorization = ctx.request().getHeader("authorization");
        boolean assertion = form.get("client_assertion") != null || form.get("client_assertion_type") != null;
        if (!assertion) {
            if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                ctx.response().putHeader("www-authenticate", BASIC_CHALLENGE);
                HttpErrors.send(ctx, 401, "invalid_client", "client_secret_basic is not supported: authenticate with"
                        + " client_assertion (RFC 7523 private_key_jwt) or, on the HTTPS listener, a client certificate"
                        + " and client_id (RFC 8705 tls_client_auth)");
                return false;
            }
            return true;
        }
        // a Bearer header is no client authentication method at a token endpoint (RFC 6750 credentials are for
        // resources): clients and proxies that send one along, as before, are served; Basic or any other scheme is one
        if (authorization != null && !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String scheme = authorization.strip().split(" ", 2)[0];
            HttpErrors.send(ctx, 400, "invalid_request", "client_assertion and the Authorization header ("
                    + ClientText.cut(scheme, 16) + ") are two client authentication methods; a request uses one"
                    + " (RFC 6749 §2.3)");
            return false;
        }
        if (form.get("client_secret") != null) {
            HttpErrors.send(ctx, 400, "invalid_request", "client_assertion and client_secret are two client"
                    + " authentication methods; a request uses one (RFC 6749 §2.3)");
            return false;
        }
        if (ClientAssertionVerifier.namesAnotherClient(form.get("client_id"), form.get("client_assertion"))) {
            HttpErrors.send(ctx, 401, "invalid_client", ClientAssertionVerifier.CLIENT_ID_NOT_SUB
                    + (ctx.request().isSSL()
                    ? "; a client certificate does not authenticate beside an assertion (RFC 6749 §2.3)" : ""));
            return false;
        }
        return true;
    }
}
