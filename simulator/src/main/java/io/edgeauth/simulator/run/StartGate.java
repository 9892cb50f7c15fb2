package io.edgeauth.simulator.run;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the run may start more devices. It closes for good, saying why once, when every further device would only
 * fail for one cause already known: onboarding failed for the whole fleet (a failed bulk import; an admin credential
 * the broker refused, which it refuses for every device), or the broker is out of reach ({@code --stop-after-unreachable}
 * sessions in a row could not reach it: it went away mid-run). The devices not started are counted under
 * {@link #unstartedReason()}. Thread-safe.
 */
final class StartGate {
    static final String ONBOARDING_FAILED = "unfinished:not_started_onboarding_failed";
    static final String BROKER_UNREACHABLE = "unfinished:not_started_broker_unreachable";
    /**
     * Reasons of a step that got no answer from the broker: nothing listening, the connection reset, an I/O error.
     * Timeouts are left out: an overloaded broker gives them, and measuring it is the point of a run.
     */
    private static final Set<String> NO_ANSWER = Set.of("io", "connection_refused", "transport", "send_error");

    private final int unreachableLimit;
    private final PrintStream out;
    private final AtomicReference<String> closed = new AtomicReference<>();
    private final AtomicInteger unreachableInARow = new AtomicInteger();

    /** @param unreachableLimit sessions in a row that could not reach the broker before the gate closes; 0: never */
    StartGate(int unreachableLimit, PrintStream out) {
        this.unreachableLimit = unreachableLimit;
        this.out = out;
    }

    /** Onboarding failed for the whole fleet: {@code line} says how, printed with "no device is started". */
    void onboardingFailed(String line) {
        close(ONBOARDING_FAILED, line + "; no device is started");
    }

    /** A session ended with {@code outcome} ({@code stage:reason}), or null when it completed. */
    void sessionEnded(String outcome) {
        // the broker refuses the credential for every device alike: one refusal says it for the fleet (a chaos device's
        // other admin calls, revoke or update, leave devices that need no registration to run)
        if ("register:admin_credential_refused".equals(outcome)) {
            close(ONBOARDING_FAILED, "admin API onboarding failed: the broker refused the admin credential (HTTP 401, check"
                    + " --admin-credential); no further device is started");
            return;
        }
        if (outcome == null || !unreachable(outcome)) { // the broker answered (a refusal is an answer)
            // a connection lost after the broker's answer resets nothing: a broker going away drops those in a burst
            if (outcome == null || !outcome.endsWith(":connection_closed") && !outcome.endsWith(":not_connected")
                    && !outcome.equals("connect:io")) {
                unreachableInARow.set(0);
            }
        } else if (unreachableLimit > 0 && unreachableInARow.incrementAndGet() >= unreachableLimit) {
            close(BROKER_UNREACHABLE, "broker unreachable: " + unreachableLimit + " sessions in a row could not reach it (the last: "
                    + outcome + "); no further device is started (--stop-after-unreachable)");
        }
    }

    /** Whether {@code outcome} ({@code stage:reason}) is a step that got no answer from the broker. */
    static boolean unreachable(String outcome) {
        // an MQTT connection closed before its CONNACK (connection_closed, or io inside the TLS handshake) is what a
        // broker shedding a herd's TLS handshakes does to the connections it accepted (maxPendingTlsHandshakes), not
        // only a broker going away, which refuses new connections: only the refusal counts there, the rest neither
        // counts nor starts the count again
        if (outcome.startsWith("connect:")) {
            return outcome.equals("connect:connection_refused");
        }
        return NO_ANSWER.contains(outcome.substring(outcome.lastIndexOf(':') + 1));
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
