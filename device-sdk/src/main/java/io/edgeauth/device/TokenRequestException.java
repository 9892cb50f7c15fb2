package io.edgeauth.device;

/**
 * A token request failed. {@link #reason()} says how; for {@link Reason#OAUTH_ERROR} the RFC 6749
 * §5.2 {@link #error()} code (e.g. {@code invalid_client}) and {@link #errorDescription()} are set.
 * Text that came from the server is truncated and stripped of control characters.
 */
public final class TokenRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int MAX_TEXT = 256;

    /** How a token request failed. */
    public enum Reason {
        /** The endpoint answered with an RFC 6749 error object. */
        OAUTH_ERROR,
        /** The response was not a valid token response (not JSON, fields missing or wrong). */
        INVALID_RESPONSE,
        /** The response body exceeded the configured limit. */
        RESPONSE_TOO_LARGE,
        /** No answer in time. */
        TIMEOUT,
        /** Connection or I/O failure. */
        TRANSPORT
    }

    private final Reason reason;
    private final int httpStatus;
    private final String error;
    private final String errorDescription;

    public TokenRequestException(Reason reason, int httpStatus, String error, String errorDescription, Throwable cause) {
        super(message(reason, httpStatus, clean(error), clean(errorDescription)), cause);
        this.reason = reason;
        this.httpStatus = httpStatus;
        this.error = clean(error);
        this.errorDescription = clean(errorDescription);
    }

    public TokenRequestException(Reason reason, String detail, Throwable cause) {
        this(reason, 0, null, detail, cause);
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status, or 0 if there was no response. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The RFC 6749 error code, or null. */
    public String error() {
        return error;
    }

    /** The error description, or null. */
    public String errorDescription() {
        return errorDescription;
    }

    /** True if trying again later may help (transport trouble, timeouts, 5xx, temporarily_unavailable). */
    public boolean isRetryable() {
        return reason == Reason.TIMEOUT || reason == Reason.TRANSPORT || httpStatus >= 500
                || "temporarily_unavailable".equals(error) || "server_error".equals(error) || httpStatus == 429;
    }

    /** The name {@link DeviceMqttClient#failureReason} gives it: {@code token:} and the error code, else the reason. */
    String failureReason() {
        return "token:" + (error != null ? error : reason.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static String message(Reason reason, int status, String error, String description) {
        StringBuilder sb = new StringBuilder("token request failed: ").append(reason);
        if (status > 0) {
            sb.append(", HTTP ").append(status);
        }
        if (error != null) {
            sb.append(", error=").append(error);
        }
        if (description != null) {
            sb.append(": ").append(description);
        }
        return sb.toString();
    }

    static String clean(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_TEXT));
        for (int i = 0; i < s.length() && sb.length() < MAX_TEXT; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.toString();
    }
}
