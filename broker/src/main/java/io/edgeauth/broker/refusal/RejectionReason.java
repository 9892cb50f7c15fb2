package io.edgeauth.broker.refusal;

/**
 * Why a token, a connection or a request was refused. The code is the stable, public name used in
 * audit events, metrics labels and error descriptions; {@link RefusalCategory} is what the protocol edges
 * map to their own status codes in one place (MQTT reason codes, CoAP response codes, HTTP status).
 */
public enum RejectionReason {
    // the token itself
    MALFORMED("malformed", RefusalCategory.BAD_CREDENTIALS),
    OVERSIZED("oversized", RefusalCategory.BAD_CREDENTIALS),
    UNSUPPORTED_ALGORITHM("unsupported_algorithm", RefusalCategory.BAD_CREDENTIALS),
    MISSING_KID("missing_kid", RefusalCategory.BAD_CREDENTIALS),
    UNKNOWN_KEY("unknown_key", RefusalCategory.BAD_CREDENTIALS),
    UNKNOWN_ISSUER("unknown_issuer", RefusalCategory.BAD_CREDENTIALS),
    BAD_SIGNATURE("bad_signature", RefusalCategory.BAD_CREDENTIALS),
    MISSING_CLAIM("missing_claim", RefusalCategory.BAD_CREDENTIALS),
    EXPIRED("expired", RefusalCategory.BAD_CREDENTIALS),
    NOT_YET_VALID("not_yet_valid", RefusalCategory.BAD_CREDENTIALS),
    ISSUED_IN_FUTURE("issued_in_future", RefusalCategory.BAD_CREDENTIALS),
    LIFETIME_TOO_LONG("lifetime_too_long", RefusalCategory.BAD_CREDENTIALS),
    WRONG_AUDIENCE("wrong_audience", RefusalCategory.BAD_CREDENTIALS),
    REPLAYED("replayed", RefusalCategory.BAD_CREDENTIALS),
    // the token is fine but does not entitle the holder
    REVOKED("revoked", RefusalCategory.NOT_AUTHORIZED),
    KEY_REVOKED("key_revoked", RefusalCategory.NOT_AUTHORIZED),
    WRONG_TENANT("wrong_tenant", RefusalCategory.NOT_AUTHORIZED),
    UNKNOWN_DEVICE("unknown_device", RefusalCategory.NOT_AUTHORIZED),
    CLIENT_ID_MISMATCH("client_id_mismatch", RefusalCategory.NOT_AUTHORIZED),
    BINDING_MISMATCH("binding_mismatch", RefusalCategory.NOT_AUTHORIZED),
    OUTSIDE_REGION("outside_region", RefusalCategory.NOT_AUTHORIZED),
    LOCATION_OUTSIDE_CELLS("location_outside_cells", RefusalCategory.NOT_AUTHORIZED),
    FORBIDDEN("forbidden", RefusalCategory.NOT_AUTHORIZED),
    // limits
    RATE_LIMITED("rate_limited", RefusalCategory.QUOTA_EXCEEDED),
    /** A message larger than its publisher's rate plan admits at once ({@code bytesPerSecond}): it never passes. */
    MESSAGE_TOO_LARGE("message_too_large", RefusalCategory.TOO_LARGE),
    // the server failed, not the client
    INTERNAL_ERROR("internal_error", RefusalCategory.SERVER_ERROR),
    /** The store cannot serve now (disk full, Redis out): retry later, nothing was decided about the client. */
    UNAVAILABLE("temporarily_unavailable", RefusalCategory.UNAVAILABLE),
    /** The node is at its admission limit (load shedding): retry after a backoff, nothing was checked. */
    SERVER_BUSY("server_busy", RefusalCategory.BUSY);

    private final String code;
    private final RefusalCategory category;

    RejectionReason(String code, RefusalCategory category) {
        this.code = code;
        this.category = category;
    }

    public String code() {
        return code;
    }

    public RefusalCategory category() {
        return category;
    }

    /**
     * UNAVAILABLE when {@code failure} comes from a store outage or a signing token that cannot sign now, else
     * INTERNAL_ERROR.
     */
    public static RejectionReason ofFailure(Throwable failure) {
        return io.edgeauth.broker.store.StoreUnavailableException.isCauseOf(failure)
                || io.edgeauth.broker.crypto.SignerUnavailableException.isCauseOf(failure) ? UNAVAILABLE : INTERNAL_ERROR;
    }
}
