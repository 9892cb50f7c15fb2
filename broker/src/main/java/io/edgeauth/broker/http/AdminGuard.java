package io.edgeauth.broker.http;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.rate.KeyedBuckets;
import io.edgeauth.broker.refusal.ClientText;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.util.Map;

/**
 * The admin credential check of every route that takes it, with a bound on wrong credentials per source address
 * ({@code http.adminFailuresPerAddressPerMinute}, per node): within it a wrong or missing credential is 401
 * {@code invalid_token}; beyond it every request of that address that presents (or, on {@code /admin/*}, needs) the
 * credential is 429 {@code slow_down} with {@code Retry-After} until the bucket refills, a right credential too, or
 * the bound would only slow guessing down between two right guesses. Other addresses are never slowed. Each refusal
 * is one {@code admin.refused} event ({@code invalid_token} or {@code rate_limited}). Thread-safe.
 */
final class AdminGuard {
    /** How every admin credential begins ({@code AdminCredential}): a value without it can never match. */
    private static final String CREDENTIAL_PREFIX = "ea_admin_";
    private static final int MAX_TRACKED_ADDRESSES = 100_000;

    /** What {@link #check} found. */
    enum Verdict {
        /** The admin credential. */
        ADMIN,
        /** No value of the credential's form: the route goes on with it (a bearer token). */
        OTHER,
        /** Refused and answered (401 or 429). */
        ANSWERED
    }

    private final AdminCredential credential;
    private final AuditLog audit;
    /** Wrong credentials per source address; null: no bound. */
    private final KeyedBuckets<InetAddress> failures;

    /** @param failuresPerMinute wrong credentials one address may present a minute (and back to back); 0: no bound */
    AdminGuard(AdminCredential credential, AuditLog audit, int failuresPerMinute) {
        this.credential = credential;
        this.audit = audit;
        this.failures = failuresPerMinute <= 0 ? null
                : new KeyedBuckets<>(failuresPerMinute, failuresPerMinute, MAX_TRACKED_ADDRESSES);
    }

    /**
     * For routes only the admin may call ({@code /admin/*}): true with the admin credential, false after answering
     * (a missing credential counts as a wrong one).
     */
    boolean require(RoutingContext ctx) {
        return check(ctx, true) == Verdict.ADMIN;
    }

    /**
     * For routes that take the admin credential or a bearer token (introspection, revocation): a value of the
     * credential's form is checked, and counted, as on {@code /admin/*}; any other value is {@link Verdict#OTHER}.
     */
    Verdict check(RoutingContext ctx) {
        return check(ctx, false);
    }

    private Verdict check(RoutingContext ctx, boolean required) {
        String presented = BearerTokens.bearer(ctx);
        if (!required && (presented == null || !presented.startsWith(CREDENTIAL_PREFIX))) {
            return Verdict.OTHER;
        }
        InetAddress source = io.edgeauth.broker.policy.rate.SourceKeys.of(ClientAddresses.inetOf(ctx));
        long wait = failures == null || source == null ? 0 : failures.secondsUntilAvailable(source);
        if (wait > 0) { // before the credential is looked at: a right guess from here is not told apart
            refused(ctx, RejectionReason.RATE_LIMITED.code());
            HttpRefusals.send(ctx, new TokenRejectedException(RejectionReason.RATE_LIMITED,
                    "too many wrong admin credentials from this address; retry later").retryAfter(wait),
                    HttpRefusals.Where.BEARER);
            return Verdict.ANSWERED;
        }
        if (credential.matches(presented)) {
            return Verdict.ADMIN;
        }
        if (failures != null && source != null) {
            failures.charge(source, 1);
        }
        refused(ctx, "invalid_token");
        HttpErrors.send(ctx, 401, "invalid_token", "admin API needs the admin bearer credential");
        return Verdict.ANSWERED;
    }

    private void refused(RoutingContext ctx, String outcome) {
        audit.record("admin.refused", outcome, Map.of("path", ClientText.audited(ctx.normalizedPath()),
                "remote", String.valueOf(TokenEndpointRefusals.remote(ctx))));
    }
}
