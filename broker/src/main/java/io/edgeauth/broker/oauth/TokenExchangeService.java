package io.edgeauth.broker.oauth;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenRejectedException;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * RFC 8693 token exchange for delegation: the holder of one of our access tokens (the subject token)
 * obtains a narrower one — a subset of its scope, never a longer life — optionally naming an actor
 * (another of our tokens' subject) that lands in the {@code act} claim. Tenant, {@code geo},
 * {@code owner} and subject carry over. Thread-safe.
 */
public final class TokenExchangeService {
    public static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    static final Set<String> ACCEPTED_TYPES = Set.of(ACCESS_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:jwt");

    private final TokenVerifier verifier;
    private final RevocationChecker revocations;
    private final Function<String, String> tenantOfIssuer;
    private final TokenIssuer issuer;
    private final Clock clock;
    private final AuditLog audit;

    public TokenExchangeService(TokenVerifier verifier, RevocationChecker revocations,
                                Function<String, String> tenantOfIssuer, TokenIssuer issuer, Clock clock, AuditLog audit) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.tenantOfIssuer = tenantOfIssuer;
        this.issuer = issuer;
        this.clock = clock;
        this.audit = audit;
    }

    /** Exchanges; throws with {@code invalid_request}-class reasons for bad input and {@code invalid_grant} otherwise. */
    public IssuedToken exchange(String subjectToken, String actorToken, String scope, TokenFormat format)
            throws TokenRejectedException {
        VerifiedToken subject = verifyOurs(subjectToken);
        String actor = actorToken == null ? null : verifyOurs(actorToken).subject();
        String[] requested = scope == null || scope.isBlank()
                ? subject.scope().toArray(String[]::new) : scope.trim().split("\\s+");
        if (!subject.scope().containsAll(Arrays.asList(requested))) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                    "requested scope is not a subset of the subject token's scope");
        }
        Duration remaining = Duration.between(clock.instant(), subject.expiresAt());
        String tenant = tenantOfIssuer.apply(subject.issuer());
        TokenClaims.Builder claims = TokenClaims.builder(tenant, subject.subject())
                .audience(subject.audience().toArray(String[]::new))
                .scope(requested)
                .geo(subject.geo().toArray(String[]::new))
                .region(subject.region())
                .owner(subject.owner())
                .actor(actor)
                .lifetime(remaining);
        IssuedToken token = issuer.issue(claims.build(), format);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", "token-exchange");
        fields.put("sub", subject.subject());
        fields.put("act", actor);
        fields.put("subject_token", subject.fingerprint());
        fields.put("token", io.edgeauth.broker.token.Fingerprints.of(token.bytes()));
        audit.record("token.issued", "ok", fields);
        return token;
    }

    private VerifiedToken verifyOurs(String text) throws TokenRejectedException {
        VerifiedToken t = verifier.verify(text.getBytes(StandardCharsets.US_ASCII));
        var revoked = revocations.check(t);
        if (revoked.isPresent()) {
            throw new TokenRejectedException(revoked.get(), "token revoked");
        }
        if (tenantOfIssuer.apply(t.issuer()) == null) {
            throw new TokenRejectedException(RejectionReason.UNKNOWN_ISSUER, "not one of this broker's tokens");
        }
        return t;
    }
}
