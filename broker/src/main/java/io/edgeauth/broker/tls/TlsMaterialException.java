package io.edgeauth.broker.tls;

/** TLS material (key store, trust store, CRL) that cannot be used; the message names the file and the cause. */
public final class TlsMaterialException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TlsMaterialException(String message) {
        super(message);
    }

    public TlsMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
