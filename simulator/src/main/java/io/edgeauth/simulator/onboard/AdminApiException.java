package io.edgeauth.simulator.onboard;

/** An admin API call failed; the message is a short reason such as {@code register:409} or {@code revoke:io}. */
public final class AdminApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AdminApiException(String reason) {
        super(reason, null, false, false);
    }
}
