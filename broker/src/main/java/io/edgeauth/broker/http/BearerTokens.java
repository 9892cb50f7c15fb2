package io.edgeauth.broker.http;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one check of a token presented over HTTP, as a bearer credential or as the token a call is about
 * (introspection, revocation): the same verifier (and cache) as MQTT and CoAP, then revocation, then
 * the tenant the token's issuer is trusted for (a token may repeat that tenant, never name another).
 * Every HTTP endpoint takes its caller from here instead of re-checking by hand. Thread-safe.
 */
final class BearerTokens {
    /** A token in force and the tenant it belongs to. */
    record Active(VerifiedToken token, String tenant) {
        String subject() {
            return token.subject();
        }
    }

    private final TokenVerifier verifier;
    private final RevocationChecker revocations;
    private final Function<String, String> tenantOfIssuer;

    BearerTokens(TokenVerifier verifier, RevocationChecker revocations, Function<String, String> tenantOfIssuer) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.tenantOfIssuer = tenantOfIssuer;
    }

    /** The token in force, or why not. */
    Active check(String text) throws TokenRejectedException {
        if (text == null || text.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "no token");
        }
        VerifiedToken token = verifier.verify(text.getBytes(StandardCharsets.US_ASCII));
        Optional<RejectionReason> revoked = revocations.check(token);
        if (revoked.isPresent()) {
            throw new TokenRejectedException(revoked.get(), "token revoked");
        }
        String tenant = tenantOfIssuer.apply(token.issuer());
        if (tenant == null || token.tenantId() != null && !token.tenantId().equals(tenant)) {
            throw new TokenRejectedException(RejectionReason.WRONG_TENANT, "issuer is not trusted for this tenant");
        }
        return new Active(token, tenant);
    }

    /** The token in force, or empty for any refusal (introspection and revocation answer the same either way). */
    Optional<Active> active(String text) {
        try {
            return Optional.of(check(text));
        } catch (TokenRejectedException e) {
            return Optional.empty();
        }
    }

    /** The {@code Authorization: Bearer} value, or null. */
    static String bearer(RoutingContext ctx) {
        String header = ctx.request().getHeader("authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }
}
