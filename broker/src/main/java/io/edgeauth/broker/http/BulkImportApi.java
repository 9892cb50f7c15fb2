package io.edgeauth.broker.http;

import io.edgeauth.broker.provisioning.BulkImporter;
import io.edgeauth.broker.provisioning.NdjsonLines;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /admin/devices:bulk}: NDJSON device records in, one NDJSON result line per record out
 * ({@code {"line", "id", "result": created|updated|unchanged|refused, "error"}}), then a summary line.
 * The body is read as a stream and never held whole: lines are gathered into batches of
 * {@value #BATCH_LINES}, validated and written on a worker while earlier batches await their commit
 * (at most {@value #MAX_BATCHES_IN_FLIGHT}; beyond that the upload is paused). A batch's result lines are
 * sent, in line order, only once its writes are committed, so an acknowledged line is durable. A slow
 * reader of the results pauses the upload too. A commit the store refuses (a full disk, a Redis outage) ends the
 * import with an answer, never a reset connection: 503 {@code temporarily_unavailable} when no result was sent yet,
 * else a last line {@code {"error":"temporarily_unavailable","line":N,...}} in place of the summary, N the first line
 * without a result (every line before it was answered and is stored; replaying the file is idempotent).
 */
final class BulkImportApi {
    private static final Logger LOG = LoggerFactory.getLogger(BulkImportApi.class);
    static final String PATH = "/admin/devices:bulk";
    static final int BATCH_LINES = 1024;
    /** Batches validated and written while earlier ones await their commit. */
    static final int MAX_BATCHES_IN_FLIGHT = 4;
    static final int MAX_LINE_BYTES = 16 * 1024;

    private final BulkImporter importer;
    private final WorkerExecutor workers;

    BulkImportApi(BulkImporter importer, Vertx vertx) {
        this.importer = importer;
        this.workers = vertx.createSharedWorkerExecutor("edgeauth-bulk-import", 2);
    }

    /**
     * The media types of an NDJSON body: {@code application/x-ndjson} (what {@code edgeauth-broker devices import}
     * sends), the unprefixed {@code application/ndjson} and JSON Lines' {@code application/jsonl}: one JSON text per
     * line, which is what is read. Not {@code application/json-seq} (RFC 7464: records start with RS, not read here).
     */
    static final List<String> TYPES = List.of("application/x-ndjson", "application/ndjson", "application/jsonl");

    /**
     * Imports the body; another declared content type is refused 415 before a byte is read, as the JSON endpoints
     * refuse one (a JSON array or a form sent here would be refused line by line, a confusing answer). A body without
     * a content type is read as NDJSON, as a JSON body without one is read as JSON.
     */
    void handle(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (type != null && !TYPES.contains(mediaType(type))) {
            HttpErrors.unsupportedType(ctx, String.join(" or ", TYPES), type);
            return;
        }
        new Upload(ctx).start();
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** A submitted batch; its outcomes are set once its writes are committed. */
    private static final class Pending {
        final boolean last;
        /** The batch's first line number, or -1 for a batch without lines. */
        final long firstLine;
        List<BulkImporter.Outcome> outcomes;

        Pending(boolean last, long firstLine) {
            this.last = last;
            this.firstLine = firstLine;
        }
    }

    /** The state of one import request; touched only on its event loop, except the batch on a worker. */
    private final class Upload {
        private final RoutingContext ctx;
        private final HttpServerRequest request;
        private final HttpServerResponse response;
        private final Context context;
        private final Map<BulkImporter.Result, Long> counts = new EnumMap<>(BulkImporter.Result.class);
        private List<BulkImporter.Line> batch = new ArrayList<>();
        private final NdjsonLines lines = new NdjsonLines(MAX_LINE_BYTES,
                (n, text, unreadable) -> batch.add(new BulkImporter.Line(n, text, unreadable)));
        private final java.util.ArrayDeque<Pending> queue = new java.util.ArrayDeque<>();
        private boolean failed;
        /** The client closed the connection: nothing more is read or submitted. */
        private boolean gone;
        /** The import's audit events name the request's source address. */
        private final java.util.function.UnaryOperator<io.edgeauth.broker.audit.AuditLog> trail;

        Upload(RoutingContext ctx) {
            this.ctx = ctx;
            this.trail = AdminAudit.forRequest(ctx);
            this.request = ctx.request();
            this.response = ctx.response();
            this.context = Vertx.currentContext();
            for (BulkImporter.Result r : BulkImporter.Result.values()) {
                counts.put(r, 0L);
            }
        }

        void start() {
            response.setChunked(true).putHeader("content-type", "application/x-ndjson")
                    .putHeader("cache-control", "no-store");
            request.handler(this::chunk);
            request.endHandler(v -> {
                if (gone) {
                    return;
                }
                lines.finish();
                submit(true);
            });
            response.closeHandler(v -> clientGone());
            request.exceptionHandler(t -> {
                failed = true;
                LOG.debug("bulk import upload failed: {}", t.toString());
            });
            request.resume();
        }

        /**
         * The client closed the connection before the answer ended (Ctrl-C on {@code devices import}): no line is read
         * or handed to the store any more; the batches already handed over still commit (and are audited), though their
         * results reach nobody: the client's replay of the file finds them {@code unchanged}.
         */
        private void clientGone() {
            if (response.ended() || gone) {
                return;
            }
            gone = true;
            batch = new ArrayList<>();
            request.handler(b -> { });
            LOG.info("bulk import: the client closed the connection; lines not yet read are not imported, the {}"
                    + " batch(es) already read still commit", queue.size());
        }

        private void chunk(Buffer buffer) {
            if (gone) {
                return;
            }
            byte[] bytes = buffer.getBytes();
            lines.feed(bytes, 0, bytes.length);
            if (batch.size() >= BATCH_LINES) {
                submit(false);
            }
        }

        /** Hands the gathered lines to the worker; pauses the upload while too many batches await their commit. */
        private void submit(boolean last) {
            List<BulkImporter.Line> lines = batch;
            Pending pending = new Pending(last, lines.isEmpty() ? -1 : lines.get(0).number());
            queue.add(pending);
            batch = new ArrayList<>();
            // ordered: batches are applied in line order (a later line for the same id wins)
            workers.executeBlocking(() -> importer.importLines(lines, "bulk", trail), true)
                    .onSuccess(result -> result.durable().whenComplete((v, error) -> context.runOnContext(x -> {
                        if (error != null) {
                            refused(pending, error);
                            return;
                        }
                        pending.outcomes = result.outcomes();
                        reportReady();
                    })))
                    .onFailure(t -> abort("batch failed", t));
            if (!last && queue.size() >= MAX_BATCHES_IN_FLIGHT) {
                request.pause();
            }
        }

        /** Sends the results of every committed batch at the head of the queue, in line order. */
        private void reportReady() {
            while (!queue.isEmpty() && queue.peek().outcomes != null) {
                Pending done = queue.poll();
                report(done.outcomes, done.last);
            }
            if (response.ended() || queue.size() >= MAX_BATCHES_IN_FLIGHT) {
                return;
            }
            if (response.writeQueueFull()) {
                response.drainHandler(v -> request.resume()); // a slow reader of results slows the upload
            } else {
                request.resume();
            }
        }

        /**
         * The store refused a batch's commit: no later result is sent, the rest of the upload is read and dropped
         * (a connection closed under an upload can lose the answer at the client), and the import ends with its
         * answer.
         */
        private void refused(Pending failedBatch, Throwable t) {
            if (failed) {
                return;
            }
            failed = true;
            LOG.warn("bulk import: the store refused a commit ({}); answered temporarily_unavailable", t.toString());
            if (!request.isEnded()) {
                request.handler(b -> { });
                request.resume();
            }
            String description = "the broker cannot store this now; retry the import (it is idempotent)";
            if (!response.headWritten()) {
                response.setChunked(false).headers().remove("content-type");
                HttpErrors.unavailable(ctx, description);
                return;
            }
            // results already went out with status 200: the stream's last line says where it stopped
            JsonObject error = new JsonObject().put("error", "temporarily_unavailable")
                    .put("error_description", description);
            long line = firstUnanswered(failedBatch);
            if (line > 0) {
                error.put("line", line);
            }
            response.end(error.encode() + "\n");
        }

        /** The first line of the oldest batch whose results were not sent (the queue keeps them in line order). */
        private long firstUnanswered(Pending failedBatch) {
            for (Pending p : queue) {
                if (p.firstLine > 0) {
                    return p.firstLine;
                }
            }
            return failedBatch.firstLine;
        }

        private void abort(String what, Throwable t) {
            LOG.error("bulk import: {}", what, t);
            failed = true;
            response.reset();
        }

        private void report(List<BulkImporter.Outcome> outcomes, boolean last) {
            if (failed || response.closed()) {
                return;
            }
            Buffer out = Buffer.buffer(outcomes.size() * 48);
            for (BulkImporter.Outcome o : outcomes) {
                counts.merge(o.result(), 1L, Long::sum);
                out.appendString(o.toJson().encode()).appendByte((byte) '\n');
            }
            if (last) {
                JsonObject summary = new JsonObject();
                counts.forEach((r, n) -> summary.put(r.name().toLowerCase(java.util.Locale.ROOT), n));
                response.end(out.appendString(new JsonObject().put("summary", summary).encode()).appendByte((byte) '\n'));
            } else {
                response.write(out);
            }
        }
    }
}
