package io.edgeauth.simulator.coap;

/**
 * The broker answered a CoAP request with an error code. {@link #reason()} is the broker's typed rejection
 * reason from the ACE error payload ({@code {30: error, 31: "<reason>: <detail>"}}), or null when the payload
 * carries none.
 */
public final class CoapRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String reason;
    private final long maxAgeSeconds;

    public CoapRefusedException(String code, String reason) {
        this(code, reason, 0);
    }

    /** @param maxAgeSeconds the response's Max-Age (how long a 5.03 asks the client to wait), 0 without one */
    public CoapRefusedException(String code, String reason, long maxAgeSeconds) {
        super("refused " + code + (reason == null ? "" : " " + reason), null, false, false);
        this.code = code;
        this.reason = reason;
        this.maxAgeSeconds = maxAgeSeconds;
    }

    /** A 5.03 Service Unavailable: the broker shed the request and asks for a retry after {@link #maxAgeSeconds()}. */
    public boolean busy() {
        return "5.03".equals(code);
    }

    /** The refusal's Max-Age in seconds, 0 when it had none. */
    public long maxAgeSeconds() {
        return maxAgeSeconds;
    }

    /** The response code, e.g. {@code 4.01}. */
    public String code() {
        return code;
    }

    /** The broker's rejection reason (e.g. {@code bad_signature}), or null. */
    public String reason() {
        return reason;
    }
}
