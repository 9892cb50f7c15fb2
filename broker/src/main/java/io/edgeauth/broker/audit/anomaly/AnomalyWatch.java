package io.edgeauth.broker.audit.anomaly;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.audit.ChainedAuditLog;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An {@link AuditLog} in front of the real one that writes every event through and flags anomalies as audit events of
 * their own (outcome {@code flagged}), right after the event that revealed them:
 * <ul>
 *   <li>{@code anomaly.impossible_travel}: an {@code auth.accepted} of a principal ({@code sub}) from a reported
 *       GeoHash cell ({@code geo}) too far from its previous one for the time between ({@link ImpossibleTravel});</li>
 *   <li>{@code anomaly.refusal_burst}: refusals (any event whose outcome is not {@code ok}) from one source address
 *       ({@code remote} or {@code peer}) reaching the configured count within the window ({@link RefusalBursts});</li>
 *   <li>{@code anomaly.refresh_reuse}: a rotated refresh token presented again ({@code refresh.reuse_detected}, which
 *       revokes the token family).</li>
 * </ul>
 * Past the burst, a source's refusals ({@link #suppressible}) are not written one by one for the rest of the window:
 * one {@code anomaly.refusals_suppressed} counts them once the window ended (at the first event after it). A flood
 * of unauthenticated datagrams or CONNECTs thus costs the audit disk a few lines per source and window, not one
 * ~300-byte line per packet. Accepted authentications, admin changes and durable events always pass.
 * Thread-safe.
 */
public final class AnomalyWatch implements AuditLog, AutoCloseable {
    /** A refresh-token family reuse, as the wallet sessions audit it. */
    public static final String REFRESH_REUSE = "refresh.reuse_detected";

    private final AuditLog out;
    private final ImpossibleTravel travel; // null: off
    private final RefusalBursts bursts;    // null: off
    private final Clock clock;

    /** @param travel null to leave travel unwatched; @param bursts null to leave refusals uncounted */
    public AnomalyWatch(AuditLog out, ImpossibleTravel travel, RefusalBursts bursts, Clock clock) {
        this.out = out;
        this.travel = travel;
        this.bursts = bursts;
        this.clock = clock;
    }

    @Override
    public void record(String event, String outcome, Map<String, ?> fields) {
        RefusalBursts.Verdict verdict = countSafely(event, outcome, fields);
        if (verdict == RefusalBursts.Verdict.PAST_BURST && suppressible(event)) {
            return;
        }
        out.record(event, outcome, fields);
        watchSafely(event, outcome, fields, verdict);
    }

    @Override
    public CompletableFuture<Void> recordAsync(String event, String outcome, Map<String, ?> fields) {
        RefusalBursts.Verdict verdict = countSafely(event, outcome, fields);
        if (verdict == RefusalBursts.Verdict.PAST_BURST && suppressible(event)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> written = out.recordAsync(event, outcome, fields);
        watchSafely(event, outcome, fields, verdict);
        return written;
    }

    /**
     * A refusal a flood may repeat at will, so one a summary may stand for: {@code *refused} events and refused wallet
     * logins. Never an accepted authentication (outcome {@code ok} is no refusal), an admin change or a durable event.
     */
    static boolean suppressible(String event) {
        return !ChainedAuditLog.DURABLE_EVENTS.contains(event) && !event.startsWith("anomaly.")
                && !event.startsWith("admin.") && (event.endsWith("refused") || event.equals("siwe.login"));
    }

    // the summaries of ended windows first (they are older), then this refusal's place in its source's window
    private RefusalBursts.Verdict countSafely(String event, String outcome, Map<String, ?> fields) {
        if (bursts == null || event.startsWith("anomaly.")) {
            return RefusalBursts.Verdict.COUNTED;
        }
        try {
            Instant now = clock.instant();
            summarise(bursts.ended(now));
            if ("ok".equals(outcome)) {
                return RefusalBursts.Verdict.COUNTED;
            }
            Object remote = fields.get("remote") != null ? fields.get("remote") : fields.get("peer");
            return bursts.refused(RefusalBursts.host(string(remote)), now, event, suppressible(event));
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(AnomalyWatch.class).warn("anomaly check failed: {}", e.toString());
            return RefusalBursts.Verdict.COUNTED;
        }
    }

    private void watchSafely(String event, String outcome, Map<String, ?> fields, RefusalBursts.Verdict verdict) {
        try {
            watch(event, outcome, fields, verdict);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(AnomalyWatch.class).warn("anomaly check failed: {}", e.toString());
        }
    }

    private void watch(String event, String outcome, Map<String, ?> fields, RefusalBursts.Verdict verdict) {
        if (event.startsWith("anomaly.")) {
            return;
        }
        if (travel != null && event.equals("auth.accepted")) {
            String sub = string(fields.get("sub"));
            travel.observe(sub, string(fields.get("geo")), clock.instant()).ifPresent(f -> {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("sub", sub);
                a.put("from", f.from());
                a.put("to", f.to());
                a.put("km", Math.round(f.km()));
                a.put("seconds", f.seconds());
                a.put("kmh", Double.isInfinite(f.kmh()) ? "infinite" : Long.toString(Math.round(f.kmh())));
                a.put("protocol", fields.get("protocol"));
                out.record("anomaly.impossible_travel", "flagged", a);
            });
        }
        if (verdict == RefusalBursts.Verdict.BURST) {
            Object remote = fields.get("remote") != null ? fields.get("remote") : fields.get("peer");
            out.record("anomaly.refusal_burst", "flagged", Map.of("source", RefusalBursts.host(string(remote)),
                    "refusals", bursts.threshold(), "window", bursts.window().toString(), "last_event", event));
        }
        if (event.equals(REFRESH_REUSE)) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("sub", fields.get("sub"));
            a.put("family", fields.get("family"));
            a.put("remote", fields.get("remote")); // who presented the rotated token: the evidence this flag is for
            out.record("anomaly.refresh_reuse", "flagged", a);
        }
    }

    private void summarise(List<RefusalBursts.Summary> summaries) {
        for (RefusalBursts.Summary s : summaries) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("source", s.source());
            a.put("suppressed", s.suppressed());
            a.put("window_start", s.start().toString());
            a.put("window", bursts.window().toString());
            a.put("last_event", s.lastEvent());
            out.record("anomaly.refusals_suppressed", "flagged", a);
        }
    }

    /**
     * Writes the summaries every flooding source still owes, its window ended or not (a summary waits for the next
     * event otherwise, and a stopping broker has none): the broker closes the watch after its listeners, before the
     * audit log's stop checkpoint.
     */
    @Override
    public void close() {
        if (bursts == null) {
            return;
        }
        try {
            summarise(bursts.flush());
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(AnomalyWatch.class).warn("anomaly summaries not written: {}", e.toString());
        }
    }

    private static String string(Object o) {
        return o == null ? null : o.toString();
    }
}
