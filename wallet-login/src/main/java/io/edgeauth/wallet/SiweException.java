package io.edgeauth.wallet;

import java.util.Objects;

/**
 * The one exception type this module throws for bad input: a typed {@link SiweErrorCode} plus a
 * message that is safe to show to the client (it never contains the signature and quotes at most a
 * short, truncated piece of the offending input).
 *
 * <p>It is checked on purpose: every caller of the parser and verifier must decide how a refusal is
 * answered. Immutable and thread-safe. The stack trace is not filled in because refusals are
 * routine, can be triggered at will by clients, and the trace carries no information.
 */
public final class SiweException extends Exception {
    private static final long serialVersionUID = 1L;

    private final SiweErrorCode code;

    /**
     * @param code why the input was refused
     * @param message human readable reason
     */
    public SiweException(SiweErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * @param code why the input was refused
     * @param message human readable reason
     * @param cause underlying failure (kept for logs), may be null
     */
    public SiweException(SiweErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** @return the typed reason */
    public SiweErrorCode code() {
        return code;
    }

    /** @return the coarse category of {@link #code()} */
    public SiweErrorCode.Category category() {
        return code.category();
    }

    @Override
    public String toString() {
        return "SiweException[" + code + "]: " + getMessage();
    }
}
