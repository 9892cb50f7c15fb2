package io.edgeauth.simulator.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns counts into a verdict: a run passes only if every planned device ran, every honest session
 * was accepted and completed, every chaos device was refused with its expected reason, and no
 * acknowledged QoS 1 message was lost (when an observer watched). Also the one-line summary.
 */
public final class Verdicts {
    private Verdicts() {
    }

    /** The failure reason that marks a run stopped by Ctrl-C or SIGTERM: its summary says INTERRUPTED, not FAIL. */
    public static final String INTERRUPTED = "interrupted:by_signal";

    /** PASS, FAIL, or INTERRUPTED for a run that was stopped before its end (a partial result). */
    public static String word(RunResult r) {
        return r.verdict().ok() ? "PASS" : r.failures().containsKey(INTERRUPTED) ? "INTERRUPTED" : "FAIL";
    }

    /** Builds the result of a finished run. */
    public static RunResult result(Map<String, Object> parameters, List<String> shards, Instant startedAt, double elapsedSeconds,
            RunRecorder recorder, boolean observer, long planned, long unstarted, long lost,
            List<RunResult.BrokerSample> broker) {
        Map<String, Long> failures = new TreeMap<>(recorder.failureCounts());
        if (unstarted > 0) {
            failures.merge("unfinished:not_started_before_max_duration", unstarted, Long::sum);
        }
        if (lost > 0) {
            failures.merge("lost:qos1_acked_not_delivered", lost, Long::sum);
        }
        RunResult.Totals totals = recorder.totals(observer);
        RunResult partial = new RunResult(RunResult.FORMAT, parameters, shards, startedAt.toString(), elapsedSeconds, totals,
                failures, recorder.chaosTallies(), recorder.stageStats(), recorder.series(), broker, null);
        return withVerdict(partial, planned);
    }

    /** The same result with its verdict (re)computed from its counts; {@code planned < 0}: do not check the device count. */
    public static RunResult withVerdict(RunResult r, long planned) {
        List<String> problems = new ArrayList<>();
        r.failures().forEach((reason, n) -> problems.add(reason + " x" + n));
        RunResult.Totals t = r.totals();
        if (planned >= 0 && t.devices() != planned) {
            problems.add("devices run " + t.devices() + " of " + planned);
        }
        long honest = t.sessions() - t.chaosDevices();
        if (t.honestAccepted() != honest) {
            problems.add("honest sessions accepted " + t.honestAccepted() + " of " + honest);
        }
        if (t.chaosRefused() != t.chaosDevices()) {
            problems.add("chaos devices refused as expected " + t.chaosRefused() + " of " + t.chaosDevices());
        }
        if (t.acked() != t.published()) {
            problems.add("QoS 1 messages acknowledged " + t.acked() + " of " + t.published());
        }
        if (t.restartBack() != t.restartDropped()) {
            problems.add("sessions back after the broker restart " + t.restartBack() + " of " + t.restartDropped());
        }
        if (t.commandsReceived() != t.commandsSent()) {
            problems.add("CoAP commands received " + t.commandsReceived() + " of " + t.commandsSent());
        }
        return new RunResult(r.format(), r.parameters(), r.shards(), r.startedAt(), r.elapsedSeconds(), t, r.failures(),
                r.chaos(), r.stages(), r.series(), r.broker(), new RunResult.Verdict(problems.isEmpty(), List.copyOf(problems)));
    }

    /** One line: the figures a person wants first. */
    public static String summaryLine(RunResult r) {
        RunResult.Totals t = r.totals();
        RunResult.StageStats token = r.stages().get(Stage.TOKEN.key());
        RunResult.StageStats connect = r.stages().get(Stage.CONNECT.key());
        RunResult.StageStats publish = r.stages().get(Stage.PUBLISH.key());
        RunResult.StageStats delivery = r.stages().get(Stage.DELIVERY.key());
        return String.format(Locale.ROOT,
                "summary: %s devices=%d sessions/s=%.0f accepted=%d completed=%d chaos_refused=%d/%d published=%d acked=%d delivered=%s "
                        + "lost=%d duplicates=%d renewals=%d revoked_live=%d commands=%d/%d restart_back=%d/%d peak_active=%d p99 token=%s connect=%s publish=%s delivery=%s "
                        + "elapsed=%.1fs problems=%s",
                word(r), t.devices(), sessionStartRate(r), t.honestAccepted(),
                t.honestCompleted(), t.chaosRefused(), t.chaosDevices(), t.published(), t.acked(),
                t.delivered() < 0 ? "n/a" : Long.toString(t.delivered()), r.failures().getOrDefault("lost:qos1_acked_not_delivered", 0L),
                t.duplicates(), t.renewals(), t.revokedLive(), t.commandsReceived(), t.commandsSent(), t.restartBack(), t.restartDropped(), t.peakActive(), ms(token), ms(connect), ms(publish), ms(delivery),
                r.elapsedSeconds(), r.verdict().problems().isEmpty() ? "none" : r.verdict().problems().toString())
                + (t.foreignMessages() > 0 ? " foreign_messages=" + t.foreignMessages() : "")
                + (t.busyRetries() > 0 ? " busy_retries=" + t.busyRetries() : "") + coapLatencies(r);
    }

    /**
     * Sessions started per second while they were being started: sessions over the seconds up to the last one in
     * which a session started. Not over the whole run: the hold, the revocation wave, an expiry wait and the drain
     * come after the last start and would make a run that kept to its schedule read as a slow one.
     */
    static double sessionStartRate(RunResult r) {
        long lastStart = 0;
        for (RunResult.SecondPoint p : r.series()) {
            if (p.started() > 0) {
                lastStart = Math.max(lastStart, p.t()); // point t covers second [t-1, t)
            }
        }
        double seconds = lastStart > 0 ? lastStart : r.elapsedSeconds();
        return r.totals().sessions() / Math.max(1e-9, seconds);
    }

    /** A stage's p99, or n/a without a sample ("delivery=0.0ms" without an observer read as instant delivery). */
    static String ms(RunResult.StageStats s) {
        return s == null || s.count() == 0 ? "n/a" : String.format(Locale.ROOT, "%.1fms", s.p99());
    }

    /** The CoAP stages' p99, when the run had CoAP devices. */
    private static String coapLatencies(RunResult r) {
        StringBuilder sb = new StringBuilder();
        for (Stage s : new Stage[] {Stage.COAP_TOKEN, Stage.HANDSHAKE, Stage.RESUMPTION, Stage.AUTHZ, Stage.COAP_POST, Stage.OBSERVE, Stage.COMMAND,
                Stage.REVOCATION_DROP, Stage.RECONNECT}) {
            RunResult.StageStats st = r.stages().get(s.key());
            if (st != null && st.count() > 0) {
                sb.append(String.format(Locale.ROOT, " p99.%s=%.1fms", s.key(), st.p99()));
            }
        }
        return sb.toString();
    }
}
