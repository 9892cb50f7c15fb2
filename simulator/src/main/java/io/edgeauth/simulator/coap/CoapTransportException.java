package io.edgeauth.simulator.coap;

/**
 * A CoAP request got no answer: {@link #kind()} is {@code timeout} (no response within Californium's
 * retransmissions, which includes a DTLS handshake that never completed), {@code rejected} (RST),
 * {@code cancelled}, {@code send_error} (the DTLS handshake failed, e.g. an unknown PSK identity) or
 * {@code bind} (no local socket could be bound).
 */
public final class CoapTransportException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String kind;

    public CoapTransportException(String kind, Throwable cause) {
        super(kind, cause, false, false);
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }
}
