package io.edgeauth.simulator.run;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the run may start more devices. It closes for good, saying why once, when every further device would only
 * fail for one cause already known: onboarding failed for the whole fleet (a failed bulk import; an admin credential
 * the broker refused, which it refuses for every device), the broker is out of reach ({@code --stop-after-unreachable}
 * sessions in a row could not reach it: it went away mid-run), or it is silent (as many devices in a row timed out
 * at one step while no device got the broker's answer there: it takes connections and answers nothing). The devices
 * not started are counted under {@link #unstartedReason()}. Thread-safe.
 */
final class StartGate {
    static final String ONBOARDING_FAILED = "unfinished:not_started_onboarding_failed";
    static final String BROKER_UNREACHABLE = "unfinished:not_started_broker_unreachable";
    static final String BROKER_SILENT = "unfinished:not_started_broker_silent";
    /**
     * Reasons of a step that got no answer from the broker: nothing listening, the connection reset, an I/O error.
     * Timeouts are left out: an overloaded broker gives them, and measuring it is the point of a run (a broker that
     * answers nobody is told apart by {@link #stepEnded}).
     */
    private static final Set<String> NO_ANSWER = Set.of("io", "connection_refused", "transport", "send_error");

    private final int unreachableLimit;
    private final PrintStream out;
    private final AtomicReference<String> closed = new AtomicReference<>();
    private final AtomicInteger unreachableInARow = new AtomicInteger();
    /** Per step ({@code connect}, {@code token}, {@code authz}, ...): its last answer and its silent timeouts in a row. */
    private final ConcurrentHashMap<String, Step> steps = new ConcurrentHashMap<>();

    /** One step's answers as the silent rule sees them. */
    private static final class Step {
        /** Whether any device got the broker's answer at this step yet, and when the last one came (nanoTime). */
        volatile boolean answered;
        volatile long lastAnswer;
        final AtomicInteger silentInARow = new AtomicInteger();
    }

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
            if (outcome == null || !connectionLost(outcome)) {
                unreachableInARow.set(0);
            }
        } else if (unreachableLimit > 0 && unreachableInARow.incrementAndGet() >= unreachableLimit) {
            close(BROKER_UNREACHABLE, "broker unreachable: " + unreachableLimit + " sessions in a row could not reach it (the last: "
                    + outcome + "); no further device is started (--stop-after-unreachable)");
        }
    }

    /**
     * A device's wait for the broker at {@code step}, begun at {@code startedNanos} (nanoTime), ended with {@code outcome}
     * ({@code stage:reason}), or null when the broker's answer came. A timeout counts only when no device at all got
     * an answer at that step while this one waited (since {@code startedNanos}): a slow or overloaded broker answers
     * some devices, late, and each answer starts the count again; a hung broker, or a wrong port that swallows
     * traffic, answers none. Per step, so a token endpoint that answers does not hide an MQTT port that does not.
     * A broker that answers no device within the timeout is not told apart from a hung one: every further device would
     * time out the same way (give a longer --connect-timeout to measure it).
     */
    void stepEnded(String step, long startedNanos, String outcome) {
        if (unreachableLimit == 0) {
            return;
        }
        Step s = steps.computeIfAbsent(step, k -> new Step());
        if (outcome == null || !unreachable(outcome) && !connectionLost(outcome) && !timedOut(outcome)) {
            s.lastAnswer = System.nanoTime();
            s.answered = true;
            if (s.silentInARow.get() != 0) { // no write on the hot path of a broker that answers
                s.silentInARow.set(0);
            }
        } else if (timedOut(outcome) && (!s.answered || s.lastAnswer - startedNanos < 0)
                && s.silentInARow.incrementAndGet() >= unreachableLimit) {
            close(BROKER_SILENT, "broker silent: " + unreachableLimit + " devices in a row timed out at " + step
                    + " while no device got an answer there (the last: " + outcome + "): hung, a port that swallows"
                    + " traffic, or no answer in time; no further device is started (--stop-after-unreachable)");
        }
    }

    /** A timeout ({@code connect:connack_timeout}, {@code token:timeout}, {@code authz:timeout}, ...). */
    static boolean timedOut(String outcome) {
        String reason = outcome.substring(outcome.lastIndexOf(':') + 1);
        return reason.equals("timeout") || reason.endsWith("_timeout");
    }

    /** A connection lost or closed before or after the broker's answer: no word from it either way. */
    private static boolean connectionLost(String outcome) {
        return outcome.endsWith(":connection_closed") || outcome.endsWith(":not_connected") || outcome.equals("connect:io");
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
