package io.edgeauth.broker.refusal;

/**
 * A token (or the request carrying it) was refused for a client-side reason. Never carries the token
 * itself; the detail is safe to return to the client and to log. A refusal whose answer must not tell cases apart
 * (a failed decryption and a forged signature) may carry a more precise {@link #auditDetail()} for the audit only.
 */
public final class TokenRejectedException extends Exception {
    private final RejectionReason reason;
    /** Set by whoever wrote its audit event, so that callers further up do not write a second one. */
    private boolean audited;
    /** What the audit records in place of the answer's detail, or null: the same. */
    private String auditDetail;
    /** The reason the client is told, where it must not learn the precise one (an unknown client), or null. */
    private RejectionReason answeredAs;
    /** For a refusal that lifts by itself (a spent attempt budget): seconds until a retry may pass; 0 unknown. */
    private long retryAfterSeconds;

    /**
     * The one answer text for a token that does not authenticate, whatever layer failed (signature, JWE tag or key
     * agreement, COSE_Encrypt0 tag): contract.md promises a failed decryption is refused as a forgery is.
     */
    public static final String NOT_AUTHENTIC = "signature does not verify";

    public TokenRejectedException(RejectionReason reason, String detail) {
        super(detail, null, false, false); // no stack trace: refusals are expected and frequent
        this.reason = reason;
    }

    /** Sets what the audit records as the detail (the client still gets {@link #getMessage()}); returns this. */
    public TokenRejectedException auditDetail(String detail) {
        auditDetail = detail;
        return this;
    }

    /** The detail for the audit: more precise than the answer's where the answer hides a case, else the same. */
    public String auditDetail() {
        return auditDetail != null ? auditDetail : getMessage();
    }

    /**
     * An unknown client refused as a forgery is: the answer says {@link RejectionReason#BAD_SIGNATURE} and
     * {@link #NOT_AUTHENTIC}, so nobody learns which ids are registered; {@link #reason()} (the audit's outcome, the
     * metrics) and {@link #auditDetail()} keep the precise case. {@code detail} goes to the audit.
     */
    public static TokenRejectedException unknownClient(String detail) {
        TokenRejectedException e = new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE, NOT_AUTHENTIC);
        e.answeredAs = RejectionReason.BAD_SIGNATURE;
        e.auditDetail = detail;
        return e;
    }

    /** The reason the client is told: {@link #reason()} unless the answer hides it ({@link #unknownClient}). */
    public RejectionReason answeredReason() {
        return answeredAs != null ? answeredAs : reason;
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
