package io.edgeauth.broker.token;

/**
 * Why a token, a connection or a request was refused. The code is the stable, public name used in
 * audit events, metrics labels and error descriptions; {@link Category} is what the protocol edges
 * map to their own status codes in one place (MQTT reason codes, CoAP response codes, HTTP status).
 */
public enum RejectionReason {
    // the token itself
    MALFORMED("malformed", Category.BAD_CREDENTIALS),
    OVERSIZED("oversized", Category.BAD_CREDENTIALS),
    UNSUPPORTED_ALGORITHM("unsupported_algorithm", Category.BAD_CREDENTIALS),
    MISSING_KID("missing_kid", Category.BAD_CREDENTIALS),
    UNKNOWN_KEY("unknown_key", Category.BAD_CREDENTIALS),
    UNKNOWN_ISSUER("unknown_issuer", Category.BAD_CREDENTIALS),
    BAD_SIGNATURE("bad_signature", Category.BAD_CREDENTIALS),
    MISSING_CLAIM("missing_claim", Category.BAD_CREDENTIALS),
    EXPIRED("expired", Category.BAD_CREDENTIALS),
    NOT_YET_VALID("not_yet_valid", Category.BAD_CREDENTIALS),
    ISSUED_IN_FUTURE("issued_in_future", Category.BAD_CREDENTIALS),
    LIFETIME_TOO_LONG("lifetime_too_long", Category.BAD_CREDENTIALS),
    WRONG_AUDIENCE("wrong_audience", Category.BAD_CREDENTIALS),
    REPLAYED("replayed", Category.BAD_CREDENTIALS),
    // the token is fine but does not entitle the holder
    REVOKED("revoked", Category.NOT_AUTHORIZED),
    KEY_REVOKED("key_revoked", Category.NOT_AUTHORIZED),
    WRONG_TENANT("wrong_tenant", Category.NOT_AUTHORIZED),
    UNKNOWN_DEVICE("unknown_device", Category.NOT_AUTHORIZED),
    CLIENT_ID_MISMATCH("client_id_mismatch", Category.NOT_AUTHORIZED),
    BINDING_MISMATCH("binding_mismatch", Category.NOT_AUTHORIZED),
    OUTSIDE_REGION("outside_region", Category.NOT_AUTHORIZED),
    LOCATION_OUTSIDE_CELLS("location_outside_cells", Category.NOT_AUTHORIZED),
    FORBIDDEN("forbidden", Category.NOT_AUTHORIZED),
    // limits
    RATE_LIMITED("rate_limited", Category.QUOTA_EXCEEDED),
    // the server failed, not the client
    INTERNAL_ERROR("internal_error", Category.SERVER_ERROR),
    /** The store cannot serve now (disk full, Redis out): retry later, nothing was decided about the client. */
    UNAVAILABLE("temporarily_unavailable", Category.UNAVAILABLE);

    /**
     * Coarse class of a refusal that every protocol edge can map to its own status code. UNAVAILABLE is a
     * server-side outage the client should retry after (HTTP 503, MQTT 0x88, CoAP 5.03).
     */
    public enum Category { BAD_CREDENTIALS, NOT_AUTHORIZED, QUOTA_EXCEEDED, SERVER_ERROR, UNAVAILABLE }

    /** UNAVAILABLE when {@code failure} comes from a store outage, else INTERNAL_ERROR. */
    public static RejectionReason ofFailure(Throwable failure) {
        return io.edgeauth.broker.store.StoreUnavailableException.isCauseOf(failure) ? UNAVAILABLE : INTERNAL_ERROR;
    }

    private final String code;
    private final Category category;

    RejectionReason(String code, Category category) {
        this.code = code;
        this.category = category;
    }

    public String code() {
        return code;
    }

    public Category category() {
        return category;
    }
}
