package io.edgeauth.broker.audit.anomaly;

import io.edgeauth.broker.audit.AuditLog;
import java.time.Clock;
import java.util.LinkedHashMap;
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
 * Thread-safe.
 */
public final class AnomalyWatch implements AuditLog {
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
        out.record(event, outcome, fields);
        watchSafely(event, outcome, fields);
    }

    @Override
    public CompletableFuture<Void> recordAsync(String event, String outcome, Map<String, ?> fields) {
        CompletableFuture<Void> written = out.recordAsync(event, outcome, fields);
        watchSafely(event, outcome, fields);
        return written;
    }

    private void watchSafely(String event, String outcome, Map<String, ?> fields) {
        try {
            watch(event, outcome, fields);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(AnomalyWatch.class).warn("anomaly check failed: {}", e.toString());
        }
    }

    private void watch(String event, String outcome, Map<String, ?> fields) {
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
        if (bursts != null && !"ok".equals(outcome)) {
            Object remote = fields.get("remote") != null ? fields.get("remote") : fields.get("peer");
            String source = RefusalBursts.host(string(remote));
            if (bursts.refused(source, clock.instant())) {
                out.record("anomaly.refusal_burst", "flagged", Map.of("source", source, "refusals", bursts.threshold(),
                        "window", bursts.window().toString(), "last_event", event));
            }
        }
        if (event.equals(REFRESH_REUSE)) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("sub", fields.get("sub"));
            a.put("family", fields.get("family"));
            a.put("remote", fields.get("remote")); // who presented the rotated token: the evidence this flag is for
            out.record("anomaly.refresh_reuse", "flagged", a);
        }
    }

    private static String string(Object o) {
        return o == null ? null : o.toString();
    }
}
