package io.edgeauth.broker.refusal;

/**
 * A token (or the request carrying it) was refused for a client-side reason. Never carries the token
 * itself; the detail is safe to return to the client and to log.
 */
public final class TokenRejectedException extends Exception {
    private final RejectionReason reason;

    public TokenRejectedException(RejectionReason reason, String detail) {
        super(detail, null, false, false); // no stack trace: refusals are expected and frequent
        this.reason = reason;
    }

    public RejectionReason reason() {
        return reason;
    }

    @Override
    public String toString() {
        return reason.code() + ": " + getMessage();
    }
}
