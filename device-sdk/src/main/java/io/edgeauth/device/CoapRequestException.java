package io.edgeauth.device;

/**
 * The broker answered a CoAP request with an error: {@link #code()} in {@code c.dd} form (4.00 bad
 * token, 4.01 unauthorized, 4.03 forbidden, 4.29 over the rate with {@link #maxAgeSeconds()}), with the
 * broker's ACE error ({@link #error()}, {@link #diagnostic()}); or the request got no answer ({@link #code()}
 * {@code timeout}, {@code rejected}, {@code failed}), with the transport's exception (a DTLS handshake failure,
 * say) as the cause.
 */
public final class CoapRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String error;
    private final String diagnostic;
    private final Long maxAgeSeconds;

    public CoapRequestException(String code, String diagnostic, Long maxAgeSeconds) {
        this(code, null, diagnostic, maxAgeSeconds, null);
    }

    /**
     * @param error the ACE error's name ({@code invalid_request}, ...), or null
     * @param cause the transport's exception, or null
     */
    public CoapRequestException(String code, String error, String diagnostic, Long maxAgeSeconds, Throwable cause) {
        super("CoAP request failed: " + code + (error == null ? "" : " " + error)
                + (diagnostic == null || diagnostic.isEmpty() ? "" : " (" + diagnostic + ")"), cause);
        this.code = code;
        this.error = error;
        this.diagnostic = diagnostic;
        this.maxAgeSeconds = maxAgeSeconds;
    }

    /** {@code 4.01} style response code, or {@code timeout} / {@code rejected} / {@code failed}. */
    public String code() {
        return code;
    }

    /**
     * The ACE error of the broker's answer (RFC 9200 map key 30, e.g. {@code invalid_request},
     * {@code invalid_client}, {@code unauthorized_client}), or null when the answer carried none.
     */
    public String error() {
        return error;
    }

    /**
     * The broker's {@code error_description} ({@code "<reason>: <detail>"}, e.g. {@code rate_limited: over the
     * device's rate plan}) or a text payload, or for a request that got no answer the transport's exception as text;
     * truncated, control characters removed. Null if none.
     */
    public String diagnostic() {
        return diagnostic;
    }

    /** Max-Age of the error response (how long to back off after 4.29), or null. */
    public Long maxAgeSeconds() {
        return maxAgeSeconds;
    }
}
