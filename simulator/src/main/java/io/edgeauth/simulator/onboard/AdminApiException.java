package io.edgeauth.simulator.onboard;

/** An admin API call failed; the message is a short reason such as {@code register:409} or {@code revoke:io}. */
public final class AdminApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AdminApiException(String reason) {
        super(reason, null, false, false);
    }

    /** With what made the call fail (a transport error): the failure's logged detail names it. */
    public AdminApiException(String reason, Throwable cause) {
        super(reason, cause, false, false);
    }
}
