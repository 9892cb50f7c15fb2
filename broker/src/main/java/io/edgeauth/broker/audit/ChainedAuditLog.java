package io.edgeauth.broker.audit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * <p>Batched: a caller only takes the event's time and puts it in a bounded queue; one writer thread numbers,
 * hashes and signs in queue order ({@link AuditChain}) and hands each batch to the sink at once (one write and
 * flush for a file), so the sink's order is the chain's. When the queue is full the caller waits for room (never
 * a dropped line), counted in {@code edgeauth_audit_queue_full_total}. Events in {@link #DURABLE_EVENTS} return
 * only once their batch is written; other events may be lost by a crash if their batch was not written yet (at
 * most the queue's content and {@link #LINGER_NANOS} of lines, always a tail of the chain: no gap).
 * {@link #close()} writes everything queued. A batch the sink cannot write (a full disk) is retried, same lines, until
 * it is written: callers of durable events wait, the others once the queue is full; {@link #unavailableReason()}
 * says why meanwhile (readiness names the audit).
 *
 * <p>Thread-safe.
 */
public final class ChainedAuditLog implements AuditLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChainedAuditLog.class);

    /** The chain's name for checkpoint lines. */
    public static final String CHECKPOINT = "audit.checkpoint";
    /** Queue capacity by default: lines waiting for the writer. */
    public static final int DEFAULT_QUEUE_CAPACITY = 16_384;
    /** Lines the writer hands to the sink at most in one batch. */
    static final int MAX_BATCH = 1024;
    /**
     * How long the writer lets a batch that nobody waits for gather lines before it writes: under a connect storm it
     * was woken (a futex call on each side) for nearly every line. A line someone waits for ({@link #DURABLE_EVENTS},
     * {@link #recordAsync}) wakes it at once, and a crash can lose at most this much more of the chain's tail.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** First pause before a failed batch is written again; it doubles up to {@link #RETRY_MAX_NANOS}. */
    static final long RETRY_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a stopping log still retries a batch it cannot write before it gives the lines up (logged). */
    static final long STOP_RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Events whose caller must not answer before the line is written: records created, changed or removed, credentials
     * revoked or trusted, keys rotated, commands sent. {@link #record} waits for their batch's write.
     */
    public static final Set<String> DURABLE_EVENTS = Set.of("device.registered", "device.provisioned", "device.rekeyed",
            "device.deleted", "device.claimed", "device.claim_code_issued", "device.command", "service.registered", "service.deleted",
            "revocation.created", "revocation.lifted", "fleet_ca.added", "fleet_ca.withdrawn", "fleet_ca.reloaded",
            "key.rotated", "tls.reloaded", "anomaly.refresh_reuse");

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

    /** What the writer does with one queue entry: an event, a checkpoint request, a new signer, or the last entry. */
    private enum Kind { EVENT, CHECKPOINT, SIGNER, STOP }

    private record Pending(Kind kind, Instant ts, String event, String outcome, Map<String, ?> fields,
                           CheckpointSigner signer, CompletableFuture<Void> written) { }

    private final AuditSink sink;
    private final Settings settings;
    private final Clock clock;
    private final AuditChain chain;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** Events the writer thread itself recorded; only the writer touches it. */
    private final java.util.ArrayDeque<Pending> own = new java.util.ArrayDeque<>();
    private final LongAdder queueFull = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder lines = new LongAdder();
    private final LongAdder writeFailures = new LongAdder();
    /** Why the sink fails, while it does; null while it writes. */
    private volatile String unwritable;
    /** {@link System#nanoTime()} when {@link #close()} began; 0 before. */
    private volatile long closingSince;
    private boolean closed; // guarded by lifecycle
    private ScheduledFuture<?> periodic;

    public ChainedAuditLog(AuditSink sink, Settings settings, Clock clock) {
        this(sink, settings, clock, DEFAULT_QUEUE_CAPACITY);
    }

    /** @param queueCapacity events that may wait for the writer before a caller waits for room (at least 1) */
    public ChainedAuditLog(AuditSink sink, Settings settings, Clock clock, int queueCapacity) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("audit queue capacity must be at least 1, got " + queueCapacity);
        }
        this.sink = sink;
        this.settings = settings;
        this.clock = clock;
        this.chain = new AuditChain(settings, sink.lastLine());
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.writer = new Thread(this::writeLoop, "edgeauth-audit-writer");
        writer.setDaemon(true); // close() drains it; a JVM that exits without close() must not hang on it
        writer.start();
        record("audit.started", "ok", Map.of("chain", chain.start()));
    }

    /** Queue depth, batches, lines and producer waits on a full queue as {@code edgeauth_audit_*}. */
    public void bindTo(MeterRegistry meters) {
        Gauge.builder("edgeauth.audit.queue", queue, BlockingQueue::size)
                .description("audit events waiting for the writer").register(meters);
        FunctionCounter.builder("edgeauth.audit.queue.full", queueFull, LongAdder::sum)
                .description("audit events whose caller waited for room in the full queue").register(meters);
        FunctionCounter.builder("edgeauth.audit.batches", batches, LongAdder::sum)
                .description("batches written to the audit sink").register(meters);
        FunctionCounter.builder("edgeauth.audit.lines", lines, LongAdder::sum)
                .description("lines written to the audit sink").register(meters);
        FunctionCounter.builder("edgeauth.audit.write.failures", writeFailures, LongAdder::sum)
                .description("failed writes to the audit sink (each retried)").register(meters);
        Gauge.builder("edgeauth.audit.unwritable", this, log -> log.unwritable == null ? 0 : 1)
                .description("1 while the audit sink cannot write (events wait)").register(meters);
    }

    /** Callers that found the queue full and waited for room, since start. */
    public long queueFullWaits() {
        return queueFull.sum();
    }

    /** Signs checkpoints from now on, writes one at once, and another every {@code interval} with new events. */
    public void startCheckpoints(CheckpointSigner signer, ScheduledExecutorService scheduler, Duration interval) {
        if (!settings.chain()) {
            return;
        }
        enqueue(new Pending(Kind.SIGNER, clock.instant(), null, null, null, signer, null), "audit.checkpoint");
        long ms = interval.toMillis();
        periodic = scheduler.scheduleWithFixedDelay(() -> enqueue(new Pending(Kind.CHECKPOINT, null, "interval", null,
                null, null, null), "audit.checkpoint"), ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void record(String event, String outcome, Map<String, ?> fields) {
        boolean durable = DURABLE_EVENTS.contains(event) && Thread.currentThread() != writer;
        CompletableFuture<Void> written = durable ? new CompletableFuture<>() : null;
        if (enqueue(event(event, outcome, fields, written), event) && durable) {
            LockSupport.unpark(writer); // it may be letting a batch gather
            awaitUninterruptibly(written);
        }
    }

    @Override
    public CompletableFuture<Void> recordAsync(String event, String outcome, Map<String, ?> fields) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        if (!enqueue(event(event, outcome, fields, written), event)) {
            written.complete(null); // refused after close (logged): nothing will ever be written for it
        } else {
            LockSupport.unpark(writer);
        }
        return written;
    }

    private Pending event(String event, String outcome, Map<String, ?> fields, CompletableFuture<Void> written) {
        return new Pending(Kind.EVENT, clock.instant(), event, outcome, snapshot(fields), null, written);
    }

    /** The fields as they are now: the line is formatted later, on the writer thread. */
    private static Map<String, ?> snapshot(Map<String, ?> fields) {
        if (fields == null || fields.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> copy = new LinkedHashMap<>(fields.size() * 2);
        fields.forEach((k, v) -> {
            if (v != null) {
                copy.put(k, v instanceof Number || v instanceof Boolean || v instanceof String ? v : v.toString());
            }
        });
        return copy;
    }

    /** Puts {@code p} in the queue, waiting for room if it is full; false (logged) once the log is closed. */
    private boolean enqueue(Pending p, String what) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                if (p.kind() != Kind.EVENT) {
                    return false; // a periodic checkpoint that raced close(): the stop checkpoint sealed the chain
                }
                LOG.warn("audit event {} after the audit log was closed: not written", LogEscaping.escape(what));
                return false;
            }
            if (Thread.currentThread() == writer) {
                own.add(p); // recorded by code the writer runs (a future's dependent): it must not wait for itself
            } else if (!queue.offer(p)) {
                queueFull.increment();
                putUninterruptibly(p);
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warn("audit event {} could not be queued", LogEscaping.escape(what), e);
            return false;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void putUninterruptibly(Pending p) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(p);
                break;
            } catch (InterruptedException e) {
                interrupted = true; // an audit line is never given up for an interrupt
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitUninterruptibly(CompletableFuture<Void> written) {
        boolean interrupted = false;
        while (true) {
            try {
                written.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (java.util.concurrent.ExecutionException e) {
                // only when the log stopped with the line still unwritten (logged): the broker closes its listeners
                // before its audit log, so no answer leaves for it
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The writer thread: takes what is queued (up to {@link #MAX_BATCH}), chains it, writes it, then answers. */
    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        List<String> out = new ArrayList<>(MAX_BATCH);
        boolean stop = false;
        while (!stop || !own.isEmpty()) { // after the stop: what the last batch's dependents recorded, unsealed
            batch.clear();
            out.clear();
            while (!own.isEmpty() && batch.size() < MAX_BATCH) {
                batch.add(own.poll());
            }
            if (batch.isEmpty()) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    continue; // only close() ends the writer, through a STOP entry
                }
                Pending first = batch.get(0);
                if (first.kind() == Kind.EVENT && first.written() == null) {
                    LockSupport.parkNanos(this, LINGER_NANOS); // cut short by an unpark (a line someone waits for)
                }
            }
            queue.drainTo(batch, MAX_BATCH - batch.size());
            for (Pending p : batch) {
                stop |= apply(p, out);
            }
            boolean written = writeUntilDone(out);
            for (Pending p : batch) {
                if (p.written() == null) {
                    continue;
                }
                if (written) {
                    p.written().complete(null);
                } else {
                    p.written().completeExceptionally(new java.io.IOException("audit line not written"));
                }
            }
        }
    }

    /**
     * Hands {@code out} to the sink until all of it is written: a failed write (a full disk) is retried from the
     * first line not written, with the same lines (same seq, so the chain has no gap and no repeat), every
     * {@link #RETRY_MIN_NANOS} doubling to {@link #RETRY_MAX_NANOS}. Meanwhile the queue fills and then holds its
     * producers (back-pressure), durable callers wait. The first failure is logged (ERROR) and shown by
     * {@link #unavailableReason()}, the recovery logged again. Only a stopping log gives up, {@link #STOP_RETRY_NANOS}
     * after {@link #close()} began (logged: the lines are lost); false then.
     */
    private boolean writeUntilDone(List<String> out) {
        int done = 0;
        long backoff = RETRY_MIN_NANOS;
        while (done < out.size()) {
            try {
                sink.writeBatch(done == 0 ? out : out.subList(done, out.size()));
                done = out.size();
            } catch (AuditSink.WriteFailure e) {
                done += e.written();
                failed(e, out.size() - done);
            } catch (RuntimeException e) { // a sink without WriteFailure: none of the rest counts as written
                failed(e, out.size() - done);
            }
            if (done < out.size()) {
                long closing = closingSince;
                if (closing != 0 && System.nanoTime() - closing > STOP_RETRY_NANOS) {
                    LOG.error("audit: the broker stops while the audit sink still cannot write: {} audit lines are "
                            + "lost", out.size() - done);
                    return false;
                }
                long until = System.nanoTime() + backoff;
                for (long left = backoff; left > 0; left = until - System.nanoTime()) {
                    LockSupport.parkNanos(this, left); // callers unpark the writer: wait the whole pause
                }
                backoff = Math.min(backoff * 2, RETRY_MAX_NANOS);
            }
        }
        if (out.isEmpty()) {
            return true; // nothing was written: says nothing about whether the sink writes again
        }
        batches.increment();
        lines.add(out.size());
        if (unwritable != null) {
            LOG.warn("audit: the audit sink writes again; the lines kept back meanwhile are written, the chain unbroken");
            unwritable = null;
        }
        return true;
    }

    private void failed(Exception e, int waiting) {
        writeFailures.increment();
        if (unwritable == null) { // once per outage: the retries fail the same way
            unwritable = "cannot write since " + clock.instant() + " (" + e.getMessage() + "); audit events wait";
            Throwable why = e instanceof AuditSink.WriteFailure && e.getCause() != null ? e.getCause() : e;
            LOG.error("audit: the audit sink cannot write ({}); {} lines are kept back and retried until it can, durable "
                    + "events' callers are not answered until then", why.toString(), waiting);
        }
    }

    /** Why the audit log cannot write now (e.g. its disk is full), or empty while it writes. */
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(unwritable);
    }

    /** Adds the lines for {@code p} to {@code out}; true for the last entry. */
    private boolean apply(Pending p, List<String> out) {
        try {
            switch (p.kind()) {
                case EVENT -> {
                    out.add(chain.append(p.ts(), p.event(), p.outcome(), p.fields()));
                    if (chain.checkpointDue()) {
                        chain.checkpoint("count", clock.instant()).ifPresent(out::add);
                    }
                }
                case SIGNER -> {
                    chain.signWith(p.signer());
                    chain.checkpoint("start", clock.instant()).ifPresent(out::add);
                }
                case CHECKPOINT -> chain.checkpoint(p.event(), clock.instant()).ifPresent(out::add);
                case STOP -> {
                    chain.checkpoint("stop", clock.instant()).ifPresent(out::add);
                    chain.signWith(null);
                    return true;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("audit event {} could not be written", LogEscaping.escape(String.valueOf(p.event())), e);
        }
        return false;
    }

    /** Seals what is queued with a last checkpoint, waits until all of it is written, then closes the sink. */
    @Override
    public void close() {
        if (closingSince == 0) { // before the lock: producers waiting for room hold it while the sink fails
            closingSince = System.nanoTime() | 1;
        }
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (periodic != null) {
                periodic.cancel(false);
            }
            putUninterruptibly(new Pending(Kind.STOP, null, null, null, null, null, null));
            LockSupport.unpark(writer);
        } finally {
            lifecycle.writeLock().unlock();
        }
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        sink.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
