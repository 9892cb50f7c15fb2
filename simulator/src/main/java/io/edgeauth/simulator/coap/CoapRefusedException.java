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

    public CoapRefusedException(String code, String reason) {
        super("refused " + code + (reason == null ? "" : " " + reason), null, false, false);
        this.code = code;
        this.reason = reason;
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
