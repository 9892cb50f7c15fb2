package io.edgeauth.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one node's hash chain: the next {@code seq}, the hash of the last line, events since the last
 * checkpoint and the checkpoint signer. Turns events into finished lines in chain order. Not thread-safe: one
 * thread (the audit writer of {@link ChainedAuditLog}) owns it.
 */
final class AuditChain {
    private static final Logger LOG = LoggerFactory.getLogger(AuditChain.class);

    private final ChainedAuditLog.Settings settings;
    private long seq;
    private String prev = AuditLine.GENESIS;
    private long sinceCheckpoint;
    private CheckpointSigner signer;
    private final boolean continued;

    /** A chain that continues after {@code lastLine} if it is a chained line of this node, else a new one. */
    AuditChain(ChainedAuditLog.Settings settings, Optional<String> lastLine) {
        this.settings = settings;
        Optional<JsonNode> last = settings.chain() ? lastLine.flatMap(l -> tail(l, settings.node())) : Optional.empty();
        if (last.isPresent()) {
            seq = last.get().get("seq").asLong() + 1;
            prev = AuditLine.hash(lastLine.orElseThrow());
        }
        continued = last.isPresent();
    }

    /** {@code continued}, {@code new} or {@code off}: how this run's chain began. */
    String start() {
        return !settings.chain() ? "off" : continued ? "continued" : "new";
    }

    /** The last line, if it is a chained line of this node: the chain continues from it. */
    private static Optional<JsonNode> tail(String line, String node) {
        try {
            JsonNode n = AuditLine.JSON.readTree(line);
            if (n.path("seq").canConvertToLong() && n.path("seq").asLong() >= 0 && node.equals(n.path("node").asText())) {
                return Optional.of(n);
            }
            LOG.warn("audit: the file's last line is not a chained line of node {}; starting a new chain", node);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("audit: the file's last line is not JSON ({}); starting a new chain", e.getClass().getSimpleName());
        }
        return Optional.empty();
    }

    /** Signs checkpoints from now on (no-op with the chain off). */
    void signWith(CheckpointSigner s) {
        if (settings.chain()) {
            signer = s;
        }
    }

    /** The event's line; the chain moves on by it. */
    String append(Instant ts, String event, String outcome, Map<String, ?> fields) {
        String line = AuditLine.format(ts, settings.node(), settings.chain() ? seq : -1, prev, event, outcome, fields);
        if (settings.chain()) {
            prev = AuditLine.hash(line);
            seq++;
            sinceCheckpoint++;
        }
        return line;
    }

    /** True when {@code checkpointEvery} events passed since the last checkpoint and there is a signer. */
    boolean checkpointDue() {
        return signer != null && sinceCheckpoint >= settings.checkpointEvery();
    }

    /**
     * A signed checkpoint line if there is a signer and something new to seal (always at "start"); empty when the
     * key cannot sign (logged; the next checkpoint seals the lines too).
     */
    Optional<String> checkpoint(String reason, Instant now) {
        if (signer == null || (sinceCheckpoint == 0 && !reason.equals("start"))) {
            return Optional.empty();
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("node", settings.node());
        payload.put("seq", seq);
        payload.put("head", prev);
        payload.put("ts", now.toString());
        try {
            String jws = signer.sign(AuditLine.JSON.writeValueAsString(payload));
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("reason", reason);
            fields.put("jws", jws);
            String line = append(now, ChainedAuditLog.CHECKPOINT, "ok", fields);
            sinceCheckpoint = 0;
            return Optional.of(line);
        } catch (java.security.GeneralSecurityException | java.io.IOException | RuntimeException e) {
            LOG.warn("audit checkpoint could not be signed: {}", e.toString());
            return Optional.empty();
        }
    }
}
