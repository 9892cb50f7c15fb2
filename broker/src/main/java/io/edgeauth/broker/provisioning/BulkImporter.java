package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.json.StrictJson;
import io.edgeauth.broker.refusal.ClientText;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Imports device records, one NDJSON line each, in batches: every line is validated on its own (a bad
 * line is refused with its reason and never stops the others), a record equal to the registered one is
 * left alone (so replaying a file changes nothing), and the batch's writes share store commits: the
 * batch's future completes once all of them are durable, and only then may its results be reported.
 * Thread-safe; a caller runs one batch at a time per stream to keep results in line order.
 */
public final class BulkImporter {
    private final DeviceValidator validator;
    private final DeviceRegistry registry;
    private final AuditLog audit;

    public BulkImporter(DeviceValidator validator, DeviceRegistry registry, AuditLog audit) {
        this.validator = validator;
        this.registry = registry;
        this.audit = audit;
    }

    /** The outcome of one line. */
    public enum Result { CREATED, UPDATED, UNCHANGED, REFUSED }

    /** One line's outcome: its line number, the device id if it had one, and why it was refused. */
    public record Outcome(long line, String id, Result result, String error) {
        public JsonObject toJson() {
            JsonObject o = new JsonObject().put("line", line);
            if (id != null) {
                o.put("id", id);
            }
            o.put("result", result.name().toLowerCase(java.util.Locale.ROOT));
            return error == null ? o : o.put("error", error);
        }
    }

    /**
     * A raw input line: its text, or null text and why it cannot be read ({@link NdjsonLines#TOO_LONG},
     * {@link NdjsonLines#NOT_UTF8}).
     */
    public record Line(long number, String text, String unreadable) {
        /** A line that was read. */
        public Line(long number, String text) {
            this(number, text, text == null ? NdjsonLines.TOO_LONG : null);
        }
    }

    /** A batch's outcomes and the moment all its writes are durable. */
    public record Batch(List<Outcome> outcomes, CompletableFuture<Void> durable) { }

    /** Validates and applies a batch of lines; report the outcomes once {@code durable} completes. */
    public Batch importLines(List<Line> lines, String channel) {
        return importLines(lines, channel, java.util.function.UnaryOperator.identity());
    }

    /** As above, audited through {@code request} applied to the audit log (an admin request's: naming its source). */
    public Batch importLines(List<Line> lines, String channel, java.util.function.UnaryOperator<AuditLog> request) {
        AuditLog trail = request.apply(audit);
        List<Outcome> outcomes = new ArrayList<>(lines.size());
        CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (Line line : lines) {
            Outcome outcome = importLine(line, channel, writes, trail);
            outcomes.add(outcome);
        }
        if (!writes.isEmpty()) {
            last = CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
        }
        return new Batch(outcomes, last);
    }

    private Outcome importLine(Line line, String channel, List<CompletableFuture<Void>> writes, AuditLog trail) {
        if (line.text() == null) {
            return new Outcome(line.number(), null, Result.REFUSED, line.unreadable());
        }
        Map<String, Object> body;
        // a file saved by some editors and spreadsheet exports starts with a UTF-8 byte order mark
        String text = line.number() == 1 && line.text().startsWith("\uFEFF") ? line.text().substring(1) : line.text();
        try {
            body = StrictJson.decode(text) instanceof JsonObject o ? o.getMap() : null;
        } catch (StrictJson.DuplicateKeyException e) { // one reader's record is not another's: refused, as over HTTP
            return new Outcome(line.number(), null, Result.REFUSED, "duplicate key '" + ClientText.cut(e.key(), 64) + "'");
        } catch (DecodeException e) {
            body = null;
        }
        if (body == null) {
            boolean comma = text.stripTrailing().endsWith(",");
            return new Outcome(line.number(), null, Result.REFUSED, "not a JSON object"
                    + (comma ? " (a trailing comma: NDJSON has one object per line, no commas)" : ""));
        }
        String id = body.get("id") instanceof String s && s.length() <= 128 ? s : null;
        Device device;
        try {
            device = validator.validate(body);
        } catch (IllegalArgumentException e) {
            return new Outcome(line.number(), id, Result.REFUSED, e.getMessage());
        }
        // the line's write and its audit event take the id's turn: a DELETE of the id waits for the event, and this
        // line waits for a DELETE's, so the trail's last event of each id says whether it exists
        Outcome[] outcome = new Outcome[1];
        boolean ownerGiven = body.containsKey("owner"); // absent: the owner a wallet claimed stays (null clears it)
        CompletableFuture<Void> done = registry.turns().run(device.id(), () -> {
            Applied applied = apply(line, device, ownerGiven, channel, trail);
            outcome[0] = applied.outcome();
            return applied.audited();
        });
        if (done != null) {
            writes.add(done);
        }
        return outcome[0];
    }

    /** A line's outcome, and its write and audit event (null: nothing written). */
    private record Applied(Outcome outcome, CompletableFuture<Void> audited) { }

    /**
     * Writes the line's record. Without an {@code owner} field it keeps the registered owner unless the line moves the
     * device to another tenant: a claim is the wallet's doing, not the file's, and the docs tell the operator to replay the file (tour AD, AD7: a replay answered
     * "updated" and undid every claim made since the first import).
     */
    private Applied apply(Line line, Device asLined, boolean ownerGiven, String channel, AuditLog trail) {
        Device device = asLined;
        Optional<Device> existing;
        CompletableFuture<Void> written = null;
        // a concurrent import of the same id on this node changes the record between the look-up and the write: look
        // again, so each import's answer says what its line did. A record another node wrote and this one has not
        // mirrored yet reads as changed: after a few tries the write goes ahead (last writer wins, as on every node)
        for (int attempt = 0; ; attempt++) {
            existing = registry.find(asLined.id());
            // in its tenant only: a wallet claimed the device there, and a move ends the claim as it ends a claim code
            device = ownerGiven || existing.isEmpty() || !existing.get().tenant().equals(asLined.tenant()) ? asLined
                    : asLined.withOwner(existing.get().owner());
            if (existing.isPresent() && sameRecord(existing.get(), device)) {
                return new Applied(new Outcome(line.number(), device.id(), Result.UNCHANGED, null), null);
            }
            Device stored = existing.map(device::createdAs).orElse(device);
            written = attempt < 3 ? registry.replaceAsync(stored, existing.orElse(null)) : registry.registerAsync(stored);
            if (written != null) {
                break;
            }
        }
        Result result = existing.isPresent() ? Result.UPDATED : Result.CREATED;
        // the event follows the store's commit, so that none names a record the store refused (docs/audit.md); the
        // batch's answer waits for its audit lines as for its store writes (one wait, not one per line)
        CompletableFuture<Void> audited = written.thenCompose(stored -> trail.recordAsync("device.registered", "ok",
                Map.of("device", asLined.id(), "tenant", asLined.tenant(), "credential",
                        asLined.credential().type().name(), "channel", channel, "change", result.name().toLowerCase(java.util.Locale.ROOT))));
        return new Applied(new Outcome(line.number(), asLined.id(), result, null), audited);
    }

    /** Equal in everything an import sets (not the creation time). */
    static boolean sameRecord(Device a, Device b) {
        return a.id().equals(b.id()) && a.tenant().equals(b.tenant()) && a.credential().equals(b.credential())
                && a.region().equals(b.region()) && java.util.Objects.equals(a.ratePlan(), b.ratePlan())
                && java.util.Objects.equals(a.owner(), b.owner());
    }
}
