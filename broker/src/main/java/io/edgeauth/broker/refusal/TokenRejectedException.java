package io.edgeauth.broker.refusal;

/**
 * A token (or the request carrying it) was refused for a client-side reason. Never carries the token
 * itself; the detail is safe to return to the client and to log.
 */
public final class TokenRejectedException extends Exception {
    private final RejectionReason reason;
    /** Set by whoever wrote its audit event, so that callers further up do not write a second one. */
    private boolean audited;
    /** For a refusal that lifts by itself (a spent attempt budget): seconds until a retry may pass; 0 unknown. */
    private long retryAfterSeconds;

    public TokenRejectedException(RejectionReason reason, String detail) {
        super(detail, null, false, false); // no stack trace: refusals are expected and frequent
        this.reason = reason;
    }

    public RejectionReason reason() {
        return reason;
    }

    /** Sets the seconds until a retry may pass (CoAP Max-Age on 4.29); returns this. */
    public TokenRejectedException retryAfter(long seconds) {
        retryAfterSeconds = seconds;
        return this;
    }

    /** Seconds until a retry may pass, as the refuser computed it; 0 when it did not. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Notes that this refusal's one audit event is written; returns this. */
    public TokenRejectedException audited() {
        audited = true;
        return this;
    }

    /** Whether this refusal's audit event is written already (one refusal is one event). */
    public boolean isAudited() {
        return audited;
    }

    @Override
    public String toString() {
        return reason.code() + ": " + getMessage();
    }
}
