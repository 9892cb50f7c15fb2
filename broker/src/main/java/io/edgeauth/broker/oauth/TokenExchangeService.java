package io.edgeauth.broker.oauth;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.token.Fingerprints;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * RFC 8693 token exchange for delegation: an authenticated client that is the subject token's subject,
 * or, when it presents an actor token, that token's subject, obtains a narrower token for the subject — a subset of
 * its scope, never a longer life — with the actor in the {@code act} claim. Tenant, {@code geo},
 * {@code owner}, subject and the proof-of-possession binding ({@code cnf}) carry over, and the new token
 * names the tokens it comes from in {@code parent_jti}, so revoking any of them revokes it too. A
 * leaked token alone is therefore useless here: the client must also hold a registered key. Thread-safe.
 */
public final class TokenExchangeService {
    public static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    public static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    /** The token types accepted for {@code subject_token_type} and {@code actor_token_type}, compared exactly. */
    public static final Set<String> ACCEPTED_TYPES = Set.of(ACCESS_TOKEN_TYPE, JWT_TYPE);
    /** Longest chain of exchanges: each link is one more revocation lookup per authentication. */
    static final int MAX_PARENTS = 4;

    private final TokenVerifier verifier;
    private final RevocationChecker revocations;
    private final Function<String, String> tenantOfIssuer;
    private final java.util.function.Predicate<VerifiedToken> sharedSecret;
    private final TokenIssuer issuer;
    private final Clock clock;
    private final AuditLog audit;

    /** One presented token and its declared RFC 8693 type. */
    public record Presented(String token, String type) { }

    /**
     * @param sharedSecret whether a tenant's shared HS256 secret signed a token: such a token is a service's own, not
     *                     one the broker issued, and is never exchanged (its holder could sign any claims)
     */
    public TokenExchangeService(TokenVerifier verifier, RevocationChecker revocations,
                                Function<String, String> tenantOfIssuer,
                                java.util.function.Predicate<VerifiedToken> sharedSecret, TokenIssuer issuer, Clock clock,
                                AuditLog audit) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.tenantOfIssuer = tenantOfIssuer;
        this.sharedSecret = sharedSecret;
        this.issuer = issuer;
        this.clock = clock;
        this.audit = audit;
    }

    /**
     * Exchanges.
     *
     * @param client  the authenticated client (a registered device)
     * @param subject the subject token and its type
     * @param actor   the actor token and its type, or null
     * @throws TokenRejectedException CLIENT_ID_MISMATCH when the client is not the actor (with an actor token) or not
     *     the subject (without);
     *     FORBIDDEN for a scope wider than the subject token's; any verification reason for a bad token
     *     (EXPIRED also for one that expires within the second)
     */
    public IssuedToken exchange(Device client, Presented subject, Presented actor, String scope, TokenFormat format)
            throws TokenRejectedException {
        VerifiedToken s = verifyOurs(subject);
        VerifiedToken a = actor == null ? null : verifyOurs(actor);
        String actorId = a == null ? null : a.subject();
        String tenant = tenantOfIssuer.apply(s.issuer());
        if (a != null && !tenantOfIssuer.apply(a.issuer()).equals(tenant)) {
            throw new TokenRejectedException(RejectionReason.WRONG_TENANT,
                    "the actor token belongs to another tenant than the subject token");
        }
        // with an actor token the client is the actor (RFC 8693 §2.1: it stands for the acting party): a subject that
        // presented another device's token it had seen was issued a token naming that device in act (tour AG, AG3)
        if (!client.tenant().equals(tenant) || !client.id().equals(a == null ? s.subject() : actorId)) {
            throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, a == null
                    ? "the authenticated client is not the subject token's subject"
                    : "the authenticated client is not the actor token's subject");
        }
        String[] requested = scope == null || scope.isBlank()
                ? s.scope().toArray(String[]::new) : scope.trim().split("\\s+");
        if (!s.scope().containsAll(Arrays.asList(requested))) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                    "requested scope is not a subset of the subject token's scope");
        }
        Duration remaining = Duration.between(clock.instant(), s.expiresAt());
        if (remaining.getSeconds() < 1) { // expired, within the leeway, or about to: nothing left to hand out
            throw new TokenRejectedException(RejectionReason.EXPIRED, "subject token expired");
        }
        if (s.tokenId() == null || s.parentTokenIds().size() >= MAX_PARENTS) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, s.tokenId() == null
                    ? "subject token has no jti to tie the exchanged token to"
                    : "subject token is already the end of " + MAX_PARENTS + " exchanges");
        }
        List<String> parents = new ArrayList<>(MAX_PARENTS);
        parents.add(s.tokenId());
        parents.addAll(s.parentTokenIds());
        TokenClaims.Builder claims = TokenClaims.builder(tenant, s.subject())
                .audience(s.audience().toArray(String[]::new))
                .scope(requested)
                .geo(s.geo().toArray(String[]::new))
                .region(s.region())
                .owner(s.owner())
                .fleetCa(s.fleetCa()) // withdrawing the subject's fleet CA ends this token too
                .cnf(s.cnf())
                .actor(actorId)
                .parentTokenIds(parents)
                .lifetime(remaining);
        IssuedToken token = issuer.issue(claims.build(), format);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", "token-exchange");
        fields.put("client_id", client.id());
        fields.put("sub", s.subject());
        fields.put("act", actorId);
        fields.put("subject_token", s.fingerprint());
        fields.put("token", Fingerprints.of(token.bytes()));
        audit.record("token.issued", "ok", fields);
        return token;
    }

    /**
     * Whether the broker signed the token with a key of its own: not a trusted outside issuer's, not a tenant's shared
     * HS256 secret. Only such a token's {@code jti} is one the broker chose (a fresh random one); any other holder can
     * put whatever it likes there, another principal's {@code jti} too.
     */
    public boolean signedHere(VerifiedToken t) {
        return tenantOfIssuer.apply(t.issuer()) != null && !sharedSecret.test(t);
    }

    private VerifiedToken verifyOurs(Presented presented) throws TokenRejectedException {
        VerifiedToken t = verifier.verify(presented.token().getBytes(StandardCharsets.US_ASCII));
        var revoked = revocations.check(t);
        if (revoked.isPresent()) {
            throw new TokenRejectedException(revoked.get(), "token revoked");
        }
        if (!signedHere(t)) {
            throw new TokenRejectedException(RejectionReason.UNKNOWN_ISSUER, "not one of this broker's tokens");
        }
        if (JWT_TYPE.equals(presented.type()) && t.format().signed() != TokenFormat.JWT) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "token type jwt names a JWT; this is a CWT");
        }
        return t;
    }
}
