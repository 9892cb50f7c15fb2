package io.edgeauth.broker.cluster;

import io.edgeauth.broker.audit.AuditLog;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detects messages lost to the inbox's bound: when the stream was trimmed ({@code MAXLEN}) past the last entry
 * this node's group read (the node was away while more than {@code store.inboxLength} messages arrived for
 * it), the trimmed entries never reach it. Redis 7 keeps what is needed to see it: the stream's
 * entries added, the group's entries read and the stream's first id show it (see {@link #check}). Each
 * gap is counted once
 * ({@code edgeauth_cluster_inbox_gap_total}, messages), audited ({@code cluster.inbox.gap}), logged, and
 * reported by {@code /health/ready} for {@link #REPORTED_FOR} after it was found. Used on the inbox thread; the
 * surviving nodes also check a dead node's inbox while its persistent sessions' messages wait there (counted and
 * audited where found, not reported as the survivor's own readiness).
 */
final class InboxGaps {
    private static final Logger LOG = LoggerFactory.getLogger(InboxGaps.class);
    /** How long a found gap keeps {@code /health/ready} degraded: long enough for an operator or a probe to see it. */
    static final Duration REPORTED_FOR = Duration.ofMinutes(10);

    /**
     * KEYS: the inbox, the counted-loss key. ARGV: the group. Returns the first entry's id ('' when empty), the
     * group's last-delivered id, entries added, entries read (-1: unknown), the length, the loss counted so far.
     */
    private static final String STATE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
            local s = redis.call('XINFO', 'STREAM', KEYS[1])
            local info = {}
            for i = 1, #s, 2 do info[s[i]] = s[i + 1] end
            local first = ''
            if info['first-entry'] then first = info['first-entry'][1] end
            for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
              local gi = {}
              for i = 1, #g, 2 do gi[g[i]] = g[i + 1] end
              if gi['name'] == ARGV[1] then
                return {first, gi['last-delivered-id'], info['entries-added'], gi['entries-read'] or -1,
                        info['length'], redis.call('GET', KEYS[2]) or '0'}
              end
            end
            return {}
            """;
    /** KEYS: the counted-loss key. ARGV: the count read, the new count. Of two nodes checking one inbox, one counts. */
    private static final String COUNT = """
            if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[1], ARGV[2])
            return 1
            """;

    private final String nodeId;
    private final String key;
    private final String countedKey;
    private final Counter lostMessages;
    private final AuditLog audit;
    private final Clock clock;
    private volatile Instant lastGap;
    private volatile String lastGapDescription;

    InboxGaps(String nodeId, String key, MeterRegistry meters, AuditLog audit, Clock clock) {
        this.nodeId = nodeId;
        this.key = key;
        this.countedKey = key + ":lost";
        this.lostMessages = Counter.builder("edgeauth.cluster.inbox.gap")
                .description("messages for this node trimmed from its inbox before it read them (lost)").register(meters);
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Looks for a gap now; returns the messages lost in a newly found one (0: none). Redis counts the entries
     * a group read but does not add the trimmed ones it skipped, so when every entry left is unread, added
     * minus read minus length is every loss since the group began; what exceeds the loss already counted
     * (kept in {@code ea:inbox:<node>:lost}, so a restart does not count it again) is new.
     */
    long check(RedisCommands<String, byte[]> redis) {
        List<Object> state = redis.eval(STATE, ScriptOutputType.MULTI, new String[] {key, countedKey},
                Inbox.GROUP.getBytes(StandardCharsets.UTF_8));
        if (state.size() < 6) {
            return 0; // no stream or no group yet: created at start, nothing read before
        }
        String first = text(state.get(0));
        String lastDelivered = text(state.get(1));
        long added = number(state.get(2));
        long read = number(state.get(3));
        long length = number(state.get(4));
        long counted = number(state.get(5));
        boolean allUnread = length == 0 || compare(first, lastDelivered) > 0;
        if (read < 0 || !allUnread) {
            return 0; // some entry after the last read one is still there: nothing was trimmed past it
        }
        long lossSinceStart = added - read - length;
        if (lossSinceStart <= counted) {
            return 0;
        }
        Long counts = redis.eval(COUNT, ScriptOutputType.INTEGER, new String[] {countedKey}, ascii(state.get(5)),
                Long.toString(lossSinceStart).getBytes(StandardCharsets.US_ASCII));
        if (counts != 1) {
            return 0; // another node counted it meanwhile (a dead node's inbox is checked by the survivors)
        }
        long lost = lossSinceStart - Math.max(counted, 0);
        report(lost, lastDelivered, first);
        return lost;
    }

    private void report(long lost, String lastDelivered, String firstLeft) {
        lostMessages.increment(lost);
        lastGap = clock.instant();
        lastGapDescription = lost + " messages lost: the inbox was trimmed past the last one read (" + lastDelivered
                + ", first left " + (firstLeft.isEmpty() ? "none" : firstLeft)
                + "; store.inboxLength too small for the time this node was away)";
        LOG.error("cluster inbox of node {}: {}", nodeId, lastGapDescription);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("node", nodeId);
        fields.put("lost", lost);
        fields.put("lastRead", lastDelivered);
        fields.put("firstLeft", firstLeft);
        audit.record("cluster.inbox.gap", "message_loss", fields);
    }

    /** Why {@code /health/ready} should say so: a gap found within {@link #REPORTED_FOR}, else empty. */
    Optional<String> recentGap() {
        Instant at = lastGap;
        if (at == null || clock.instant().isAfter(at.plus(REPORTED_FOR))) {
            return Optional.empty();
        }
        return Optional.of(lastGapDescription + " at " + at);
    }

    /** Compares stream ids {@code ms-seq}; a missing id sorts first. */
    static int compare(String a, String b) {
        long[] x = parse(a);
        long[] y = parse(b);
        int c = Long.compare(x[0], y[0]);
        return c != 0 ? c : Long.compare(x[1], y[1]);
    }

    private static long[] parse(String id) {
        if (id == null || id.isEmpty()) {
            return new long[] {-1, -1};
        }
        int dash = id.indexOf('-');
        try {
            return dash < 0 ? new long[] {Long.parseLong(id), 0}
                    : new long[] {Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1))};
        } catch (NumberFormatException e) {
            return new long[] {-1, -1};
        }
    }

    private static long number(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        try {
            return Long.parseLong(text(o));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static byte[] ascii(Object o) {
        return o instanceof byte[] b ? b : String.valueOf(o).getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(Object o) {
        return o == null ? null : o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
