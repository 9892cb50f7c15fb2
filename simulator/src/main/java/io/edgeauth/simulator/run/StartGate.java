package io.edgeauth.simulator.run;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the run may start more devices. It closes for good, saying why once, when every further device would only
 * fail for one cause already known: onboarding failed for the whole fleet (a failed bulk import; an admin credential
 * the broker refused, which it refuses for every device). The devices not started are counted under
 * {@link #unstartedReason()}. Thread-safe.
 */
final class StartGate {
    static final String ONBOARDING_FAILED = "unfinished:not_started_onboarding_failed";
    private final PrintStream out;
    private final AtomicReference<String> closed = new AtomicReference<>();

    StartGate(PrintStream out) {
        this.out = out;
    }

    /** Onboarding failed for the whole fleet: {@code line} says how, printed with "no device is started". */
    void onboardingFailed(String line) {
        close(ONBOARDING_FAILED, line + "; no device is started");
    }

    /** A session ended with {@code outcome} ({@code stage:reason}), or null when it completed. */
    void sessionEnded(String outcome) {
        // the broker refuses the credential for every device alike: one refusal says it for the fleet
        if (outcome != null && outcome.endsWith(":admin_credential_refused")) {
            close(ONBOARDING_FAILED, "admin API onboarding failed: the broker refused the admin credential (HTTP 401, check"
                    + " --admin-credential); no further device is started");
        }
    }

    boolean isClosed() {
        return closed.get() != null;
    }

    /** The failure reason of each device not started because the gate closed, or null while it is open. */
    String unstartedReason() {
        return closed.get();
    }

    private void close(String reason, String line) {
        if (closed.compareAndSet(null, reason)) {
            out.println(line);
        }
    }
}
