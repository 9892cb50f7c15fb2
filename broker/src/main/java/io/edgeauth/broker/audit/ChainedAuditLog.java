package io.edgeauth.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's audit log: one {@link AuditLine} per event to an {@link AuditSink}. With the chain on, every line
 * carries {@code seq} (0, 1, 2, ... per node) and {@code prev} (the hash of the node's previous line), and every
 * {@code checkpointEvery} events, every checkpoint interval with new events, and at close, an
 * {@code audit.checkpoint} line carries a JWS by the node's signing key over {@code {node, seq, head}} (head: the
 * hash of the line before it), so a rewritten chain cannot be passed off without the key. A sink that can read
 * back its last line (a file) makes the chain continue across restarts; otherwise each start begins a new chain
 * ({@code seq} 0, {@code prev} empty). {@code audit verify} checks all of it ({@link ChainVerifier}).
 *
 * <p>Thread-safe: lines are numbered, hashed and written under one lock, so the order in the sink is the chain's.
 */
public final class ChainedAuditLog implements AuditLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChainedAuditLog.class);

    /** The chain's name for checkpoint lines. */
    public static final String CHECKPOINT = "audit.checkpoint";

    /**
     * @param node            this node's name in every line (one chain per node)
     * @param chain           false: plain lines without {@code seq}/{@code prev} and no checkpoints
     * @param checkpointEvery events between signed checkpoints (1..1,000,000)
     */
    public record Settings(String node, boolean chain, int checkpointEvery) {
        public Settings {
            if (node == null || node.isBlank()) {
                throw new IllegalArgumentException("audit node name must not be blank");
            }
            if (checkpointEvery < 1 || checkpointEvery > 1_000_000) {
                throw new IllegalArgumentException("checkpointEvery must be 1..1000000, got " + checkpointEvery);
            }
        }
    }

    private final AuditSink sink;
    private final Settings settings;
    private final Clock clock;
    private long seq;
    private String prev = AuditLine.GENESIS;
    private long sinceCheckpoint;
    private CheckpointSigner signer;
    private ScheduledFuture<?> periodic;

    public ChainedAuditLog(AuditSink sink, Settings settings, Clock clock) {
        this.sink = sink;
        this.settings = settings;
        this.clock = clock;
        String start = "new";
        if (settings.chain()) {
            Optional<JsonNode> last = sink.lastLine().flatMap(l -> tail(l, settings.node()));
            if (last.isPresent()) {
                seq = last.get().get("seq").asLong() + 1;
                prev = AuditLine.hash(sink.lastLine().orElseThrow());
                start = "continued";
            }
        }
        record("audit.started", "ok", Map.of("chain", settings.chain() ? start : "off"));
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

    /** Signs checkpoints from now on, writes one at once, and another every {@code interval} with new events. */
    public synchronized void startCheckpoints(CheckpointSigner signer, ScheduledExecutorService scheduler,
                                              Duration interval) {
        if (!settings.chain()) {
            return;
        }
        this.signer = signer;
        checkpoint("start");
        long ms = interval.toMillis();
        periodic = scheduler.scheduleWithFixedDelay(() -> checkpoint("interval"), ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void record(String event, String outcome, Map<String, ?> fields) {
        try {
            synchronized (this) {
                append(event, outcome, fields);
                if (signer != null && sinceCheckpoint >= settings.checkpointEvery()) {
                    checkpoint("count");
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("audit event {} could not be written", LogEscaping.escape(event), e);
        }
    }

    /** Writes a signed checkpoint if there is a signer and something new to seal (always at "start"). */
    synchronized void checkpoint(String reason) {
        if (signer == null || (sinceCheckpoint == 0 && !reason.equals("start"))) {
            return;
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("node", settings.node());
        payload.put("seq", seq);
        payload.put("head", prev);
        payload.put("ts", clock.instant().toString());
        try {
            String jws = signer.sign(AuditLine.JSON.writeValueAsString(payload));
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("reason", reason);
            fields.put("jws", jws);
            append(CHECKPOINT, "ok", fields);
            sinceCheckpoint = 0;
        } catch (java.security.GeneralSecurityException | java.io.IOException | RuntimeException e) {
            LOG.warn("audit checkpoint could not be signed: {}", e.toString());
        }
    }

    private void append(String event, String outcome, Map<String, ?> fields) {
        String line = AuditLine.format(clock.instant(), settings.node(), settings.chain() ? seq : -1, prev, event,
                outcome, fields);
        sink.write(line);
        if (settings.chain()) {
            prev = AuditLine.hash(line);
            seq++;
            sinceCheckpoint++;
        }
    }

    /** Seals what is left with a last checkpoint, then closes the sink. */
    @Override
    public synchronized void close() {
        if (periodic != null) {
            periodic.cancel(false);
        }
        checkpoint("stop");
        signer = null;
        sink.close();
    }
}
