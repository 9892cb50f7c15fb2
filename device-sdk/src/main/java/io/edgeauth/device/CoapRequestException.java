package io.edgeauth.device;

/**
 * The broker answered a CoAP request with an error: {@link #code()} in {@code c.dd} form (4.00 bad
 * token, 4.01 unauthorized, 4.03 forbidden, 4.29 over the rate with {@link #maxAgeSeconds()}), or the
 * request got no answer ({@link #code()} {@code timeout}, {@code rejected}, {@code failed}).
 */
public final class CoapRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String diagnostic;
    private final Long maxAgeSeconds;

    public CoapRequestException(String code, String diagnostic, Long maxAgeSeconds) {
        super("CoAP request failed: " + code + (diagnostic == null || diagnostic.isEmpty() ? "" : " (" + diagnostic + ")"));
        this.code = code;
        this.diagnostic = diagnostic;
        this.maxAgeSeconds = maxAgeSeconds;
    }

    /** {@code 4.01} style response code, or {@code timeout} / {@code rejected} / {@code failed}. */
    public String code() {
        return code;
    }

    /** The diagnostic payload (truncated, control characters removed), or null. */
    public String diagnostic() {
        return diagnostic;
    }

    /** Max-Age of the error response (how long to back off after 4.29), or null. */
    public Long maxAgeSeconds() {
        return maxAgeSeconds;
    }
}
