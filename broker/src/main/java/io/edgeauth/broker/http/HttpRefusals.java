package io.edgeauth.broker.http;

import io.edgeauth.broker.refusal.RefusalCategory;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.vertx.ext.web.RoutingContext;

/**
 * The one place where a typed refusal becomes an HTTP answer: the status and the error code of RFC 6749
 * §5.2 (token endpoint), RFC 8693 §2.2.2 (token exchange) or RFC 6750 §3.1 (bearer tokens on resources).
 * Every endpoint answers a server failure 500 {@code server_error}, a store outage or load shedding 503
 * {@code temporarily_unavailable} with {@code Retry-After}, and a rate refusal 429 {@code slow_down} with
 * {@code Retry-After} (the refuser's wait, at least 1 s), a request larger than a limit that does not refill 413
 * {@code invalid_request} without one;
 * the other categories depend on where the refusal happened, since each RFC has its own vocabulary. The
 * description is always {@code <reason code>: <detail>}. Stateless.
 */
public final class HttpRefusals {
    /** Where the refusal happened. */
    public enum Where {
        /** Client authentication at the token endpoint ({@code private_key_jwt}): {@code invalid_client}. */
        CLIENT_AUTHENTICATION,
        /** The tokens and scope of an RFC 8693 token exchange, after the client authenticated. */
        TOKEN_EXCHANGE,
        /**
         * A service client's token request: a scope beyond its grants is {@code invalid_scope} (never silently
         * narrowed); anything else is client authentication.
         */
        SERVICE_GRANT,
        /** The Ethereum device login grant: the device is the client, its signed challenge the grant. */
        DEVICE_LOGIN,
        /** Sign-In with Ethereum: a valid login the broker will not honour (e.g. a revoked wallet). */
        WALLET_LOGIN,
        /** A bearer token presented to a protected resource (RFC 6750). */
        BEARER,
        /** An authenticated caller's request that its session does not allow (RFC 6750 §3.1 insufficient_scope). */
        RESOURCE
    }

    /** An HTTP status and the error code that goes with it. */
    public record Answer(int status, String error) { }

    private HttpRefusals() {
    }

    /** The answer to {@code reason} at {@code where}. */
    public static Answer answer(RejectionReason reason, Where where) {
        switch (reason.category()) {
            case SERVER_ERROR:
                return new Answer(500, "server_error");
            case QUOTA_EXCEEDED:
                return new Answer(429, "slow_down");
            case TOO_LARGE: // no Retry-After: the same request never passes (RFC 9110 §15.5.14)
                return new Answer(413, "invalid_request");
            case UNAVAILABLE, BUSY:
                return new Answer(503, "temporarily_unavailable");
            default:
                break;
        }
        return switch (where) {
            case CLIENT_AUTHENTICATION -> new Answer(401, "invalid_client");
            case SERVICE_GRANT -> reason == RejectionReason.FORBIDDEN
                    ? new Answer(400, "invalid_scope") : new Answer(401, "invalid_client");
            case TOKEN_EXCHANGE -> switch (reason) {
                case CLIENT_ID_MISMATCH -> new Answer(401, "invalid_client");
                case FORBIDDEN -> new Answer(400, "invalid_scope");
                default -> new Answer(400, "invalid_request"); // a bad subject or actor token (RFC 8693 §2.2.2)
            };
            case DEVICE_LOGIN -> switch (reason) {
                case UNKNOWN_DEVICE, BAD_SIGNATURE, WRONG_TENANT -> new Answer(401, "invalid_client");
                case FORBIDDEN -> new Answer(400, "unauthorized_client");
                case MALFORMED -> new Answer(400, "invalid_request");
                default -> new Answer(400, "invalid_grant");
            };
            case WALLET_LOGIN -> new Answer(403, "access_denied");
            case BEARER -> new Answer(401, "invalid_token");
            case RESOURCE -> reason.category() == RefusalCategory.NOT_AUTHORIZED
                    ? new Answer(403, "insufficient_scope") : new Answer(400, "invalid_request");
        };
    }

    /** Sends the answer to a refusal, with {@code <reason code>: <detail>} as the description. */
    public static void send(RoutingContext ctx, TokenRejectedException refusal, Where where) {
        Answer answer = answer(refusal.reason(), where);
        // an unknown client is answered as a forgery (TokenRejectedException.unknownClient): same status and text
        String description = refusal.answeredReason().code() + ": " + refusal.getMessage();
        if (answer.status() == 503) {
            HttpErrors.unavailable(ctx, description); // with Retry-After
        } else if (answer.status() == 429) { // when the refuser knows the wait (RFC 6585 §4, RFC 9110 §10.2.3)
            if (!ctx.response().ended()) {
                ctx.response().putHeader("retry-after", Long.toString(Math.max(1, refusal.retryAfterSeconds())));
            }
            HttpErrors.send(ctx, answer.status(), answer.error(), description);
        } else {
            HttpErrors.send(ctx, answer.status(), answer.error(), description);
        }
    }
}
