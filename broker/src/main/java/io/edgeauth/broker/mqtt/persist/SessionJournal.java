package io.edgeauth.broker.mqtt.persist;

import io.edgeauth.broker.router.QueueJournal;
import io.edgeauth.broker.router.RetainedJournal;
import io.edgeauth.broker.router.RoutedMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import io.edgeauth.broker.store.StoreReopener;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent MQTT sessions on disk: their descriptions, the QoS 1 messages they still owe their clients,
 * and the retained messages, in an H2 MVStore file of their own (a message log churns far more than the
 * registry store, and must not wait behind it).
 *
 * <p>Group commit: callers never touch the file. Each change becomes an operation with a sequence number,
 * queued without blocking; one writer thread applies whatever has queued up and commits it in one MVStore
 * commit, then announces the highest sequence number now durable. {@link #whenDurable} runs a callback
 * once everything up to a sequence number is committed: the MQTT edge sends a publisher's PUBACK only
 * then, so a message acknowledged to its publisher survives a kill -9 (a commit reaches the operating
 * system; a power loss may still lose the last commits, as with MVStore's own commits).
 *
 * <p>Write failures: MVStore closes its file when a write fails (disk full, read-only, I/O error). The writer
 * then keeps the changes whose commit failed and tries at most once a second to open the file again, apply
 * them once more and commit ({@link JournalFile#reopen}); until that succeeds nothing new is acknowledged, and
 * {@link #unavailableReason()} says why. No restart is needed once the disk takes writes again.
 *
 * <p>Thread-safe.
 */
public final class SessionJournal implements QueueJournal, RetainedJournal, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionJournal.class);
    /** Most operations applied per commit, so a flood still commits (and answers publishers) regularly. */
    private static final int MAX_BATCH = 8192;

    private final String fileName;
    /** The open file; replaced by the writer thread after a write failure closed it. */
    private volatile JournalFile file;
    private final StoreReopener reopener;
    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
    /** Guards the pairing of a sequence number with its place in {@link #ops} (they must agree in order). */
    private final Object enqueueLock = new Object();
    private volatile long lastSeq; // written under enqueueLock
    private final AtomicLong committed = new AtomicLong();
    /** Appends whose copy in the {@link Mirror} is not yet safe: durability stops below the lowest of them. */
    private final java.util.concurrent.ConcurrentSkipListMap<Long, Boolean> mirrorHolds =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    private volatile Mirror mirror;
    private final PriorityQueue<Waiter> waiters = new PriorityQueue<>();
    private final Thread writer;
    private volatile boolean writerParked;
    private volatile boolean running = true;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong failedCommits = new AtomicLong();
    private long lastFailureLog;

    /** Opens (or creates) the journal file; throws with a clear message when it is locked or unreadable. */
    public SessionJournal(Path file) {
        this(file.toString());
    }

    /** A journal on an H2 file name (tests pass a file system prefix that injects write failures). */
    SessionJournal(String fileName) {
        this.fileName = fileName;
        this.file = JournalFile.open(fileName);
        this.reopener = new StoreReopener(fileName, java.time.Duration.ofSeconds(1), System::nanoTime);
        Long last = file.messages.lastKey();
        this.lastSeq = last == null ? 0 : last; // message ids keep increasing across restarts
        this.committed.set(lastSeq);
        this.writer = new Thread(this::writeLoop, "mqtt-session-journal");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    // ------------------------------------------------------------------ reading at start-up

    /** Every persisted session with its queued messages, in queue order. */
    public List<Restored> restore() {
        Map<String, Restored> byKey = new java.util.LinkedHashMap<>();
        JournalFile f = file;
        for (Map.Entry<String, byte[]> e : f.sessions.entrySet()) {
            PersistedSession s = Records.readSession(e.getValue());
            byKey.put(s.key(), new Restored(s, new ArrayList<>()));
        }
        List<Long> orphans = new ArrayList<>();
        for (Iterator<Long> it = f.messages.keyIterator(null); it.hasNext(); ) {
            long id = it.next();
            Records.QueuedMessage q = Records.readQueued(f.messages.get(id));
            Restored owner = byKey.get(q.sessionKey());
            if (owner == null) {
                orphans.add(id); // its session ended before the crash but the removal had not been written
            } else {
                owner.messages().add(new QueuedMessage(id, q.message()));
            }
        }
        orphans.forEach(this::remove);
        return List.copyOf(byKey.values());
    }

    /** Every persisted retained message. */
    public List<RoutedMessage> retainedMessages() {
        List<RoutedMessage> out = new ArrayList<>();
        file.retained.values().forEach(v -> out.add(Records.readRetained(v)));
        return out;
    }

    /** A persisted session and the messages it still owes, oldest first. */
    public record Restored(PersistedSession session, List<QueuedMessage> messages) {
    }

    /** A message as journaled, with its id. */
    public record QueuedMessage(long id, RoutedMessage message) {
    }

    // ------------------------------------------------------------------ the mirror (several nodes)

    /**
     * A copy of the queued messages kept off this node (the shared store), so that a session can move to
     * another node, and survive this one. Called under a queue's lock: must not block.
     */
    public interface Mirror {
        /**
         * Copies a message queued for {@code queueKey} under journal id {@code id}; the future completes once
         * the copy is safe (an implementation retries failures itself), null when the queue is not mirrored.
         */
        java.util.concurrent.CompletableFuture<?> appended(String queueKey, long id, RoutedMessage message);

        /** {@code id} now names the mirror's existing copy {@code copyId} (a session taken from another node). */
        void adopted(String queueKey, long id, String copyId);

        /** The message with journal id {@code id} left its queue for good. */
        void removed(long id);
    }

    /**
     * Copies every queued message to {@code mirror} from now on: an acknowledgement waiting for durability
     * ({@link #whenDurable}) then also waits for the copy. Set before any session is journaled.
     */
    public void mirror(Mirror newMirror) {
        this.mirror = newMirror;
    }

    /**
     * Journals a message taken over from another node whose copy already exists in the mirror as {@code copyId}.
     */
    public long adopt(String queueKey, RoutedMessage message, String copyId) {
        long id = enqueue(seq -> new Op(seq, f -> f.messages.put(seq, Records.message(queueKey, message)), seq, 0));
        Mirror m = mirror;
        if (m != null) {
            m.adopted(queueKey, id, copyId);
        }
        return id;
    }

    // ------------------------------------------------------------------ writing (never blocks)

    @Override
    public long append(String queueKey, RoutedMessage message) {
        Mirror m = mirror;
        long id = enqueue(seq -> {
            if (m != null) {
                mirrorHolds.put(seq, Boolean.TRUE); // before the op is visible to the writer: it cannot release it early
            }
            return new Op(seq, f -> f.messages.put(seq, Records.message(queueKey, message)), seq, 0);
        });
        if (m != null) {
            java.util.concurrent.CompletableFuture<?> copied = m.appended(queueKey, id, message);
            if (copied == null) {
                releaseHold(id);
            } else {
                copied.whenComplete((ok, failure) -> releaseHold(id));
            }
        }
        return id;
    }

    private void releaseHold(long id) {
        mirrorHolds.remove(id);
        release(durableUpTo());
    }

    @Override
    public void remove(long journalId) {
        enqueue(seq -> new Op(seq, f -> f.messages.remove(journalId), 0, journalId));
        Mirror m = mirror;
        if (m != null) {
            m.removed(journalId);
        }
    }

    @Override
    public void retained(RoutedMessage message) {
        String key = message.tenant() + '\u0000' + message.topic();
        enqueue(seq -> new Op(seq, f -> f.retained.put(key, Records.retained(message)), 0, 0));
    }

    @Override
    public void cleared(String tenant, String topic) {
        String key = tenant + '\u0000' + topic;
        enqueue(seq -> new Op(seq, f -> f.retained.remove(key), 0, 0));
    }

    /** Saves (or replaces) a session's description. */
    public void saveSession(PersistedSession session) {
        byte[] bytes = Records.session(session);
        enqueue(seq -> new Op(seq, f -> f.sessions.put(session.key(), bytes), 0, 0));
    }

    /** Forgets a session's description (its messages are removed through its queue). */
    public void dropSession(String key) {
        enqueue(seq -> new Op(seq, f -> f.sessions.remove(key), 0, 0));
    }

    /** Completes once every change made so far is durable. */
    public java.util.concurrent.CompletableFuture<Void> durable() {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        whenDurable(lastSequence(), () -> done.complete(null));
        return done;
    }

    /** The sequence number of the newest change so far; pass it to {@link #whenDurable}. */
    public long lastSequence() {
        return lastSeq;
    }

    /** True when every change up to {@code seq} is committed. */
    public boolean isDurable(long seq) {
        return durableUpTo() >= seq;
    }

    /** Everything up to this sequence number is committed and, where mirrored, copied. */
    private long durableUpTo() {
        long local = committed.get();
        Map.Entry<Long, Boolean> lowestHold = mirrorHolds.firstEntry();
        return lowestHold == null ? local : Math.min(local, lowestHold.getKey() - 1);
    }

    /**
     * Runs {@code callback} once every change up to {@code seq} is committed: at once on this thread if it
     * already is, else on the journal's writer thread (keep it short: hand over to your own thread).
     */
    public void whenDurable(long seq, Runnable callback) {
        if (isDurable(seq)) {
            callback.run();
            return;
        }
        synchronized (waiters) {
            if (!isDurable(seq)) {
                waiters.add(new Waiter(seq, callback));
                return;
            }
        }
        callback.run();
    }

    /** Commits so far, for metrics and tests. */
    public long commits() {
        return commits.get();
    }

    /** Commits that failed (disk full, read-only, I/O error) and were retried; for health and metrics. */
    public long failedCommits() {
        return failedCommits.get();
    }

    /** Times the file was reopened after a write failure closed it (for metrics and tests). */
    public long reopens() {
        return reopener.reopens();
    }

    /**
     * Why the journal cannot make changes durable now, or empty: its file closed itself after a failed write
     * (the writer reopens it once the disk takes writes again), or commits keep failing.
     */
    public java.util.Optional<String> unavailableReason() {
        JournalFile f = file;
        if (f.store.isClosed()) {
            return java.util.Optional.of(reopener.describe(f.store.getPanicException()));
        }
        return isStalled() ? java.util.Optional.of(failedCommits.get() + " commits failed; acknowledgements wait")
                : java.util.Optional.empty();
    }

    /** True while changes wait for a commit that keeps failing. */
    public boolean isStalled() {
        return failedCommits.get() > 0 && committed.get() < lastSeq;
    }

    private long enqueue(java.util.function.LongFunction<Op> make) {
        long seq;
        synchronized (enqueueLock) {
            seq = ++lastSeq;
            ops.add(make.apply(seq));
        }
        if (writerParked) {
            LockSupport.unpark(writer);
        }
        return seq;
    }

    private void writeLoop() {
        long applied = committed.get(); // highest sequence applied to the maps, committed or not
        List<Op> uncommitted = new ArrayList<>(); // applied since the last commit: replayed into a reopened file
        boolean retrying = false; // the last commit failed: commit again before taking more changes
        while (running || !ops.isEmpty() || applied > committed.get()) {
            if (file.store.isClosed()) {
                if (!reopen(uncommitted)) {
                    if (!running) {
                        return;
                    }
                    LockSupport.parkNanos(100_000_000L);
                    continue;
                }
                retrying = false;
            } else {
                int n = retrying ? 0 : applyQueued(uncommitted);
                if (n > 0) {
                    applied = uncommitted.get(uncommitted.size() - 1).seq;
                }
                if (n == 0 && applied == committed.get()) {
                    writerParked = true;
                    if (ops.isEmpty() && running) {
                        LockSupport.parkNanos(50_000_000L);
                    }
                    writerParked = false;
                    continue;
                }
                try {
                    file.store.commit();
                } catch (RuntimeException e) {
                    // not durable: callers keep waiting (publishers get no PUBACK and send again); retried above
                    failed(e, "commit failed; acknowledgements wait until it succeeds");
                    failedCommits.incrementAndGet();
                    retrying = true;
                    if (!running && !file.store.isClosed()) {
                        return;
                    }
                    LockSupport.parkNanos(100_000_000L);
                    continue;
                }
                retrying = false;
            }
            commits.incrementAndGet();
            uncommitted.clear();
            committed.set(applied);
            release(durableUpTo());
        }
    }

    /**
     * Applies up to {@link #MAX_BATCH} queued changes to the open file; returns how many were taken. A message
     * appended and removed in the same batch (its subscriber acknowledged it before the commit) is written not at
     * all: the commit that covers the batch makes both durable, and after it the message is owed to nobody.
     */
    private int applyQueued(List<Op> uncommitted) {
        JournalFile f = file;
        int first = uncommitted.size();
        int n = 0;
        for (Op op; n < MAX_BATCH && (op = ops.poll()) != null; n++) {
            uncommitted.add(op);
        }
        java.util.Set<Long> appended = new java.util.HashSet<>();
        java.util.Set<Long> cancelled = new java.util.HashSet<>();
        for (int i = first; i < uncommitted.size(); i++) {
            Op op = uncommitted.get(i);
            if (op.appends != 0) {
                appended.add(op.appends);
            } else if (op.removes != 0 && appended.contains(op.removes)) {
                cancelled.add(op.removes);
            }
        }
        for (int i = first; i < uncommitted.size(); i++) {
            Op op = uncommitted.get(i);
            if (!cancelled.isEmpty() && cancelled.contains(op.appends != 0 ? op.appends : op.removes)) {
                continue;
            }
            try {
                op.apply.accept(f);
            } catch (RuntimeException e) {
                if (!f.store.isClosed()) { // a fault of this change alone: it cannot be written, now or later
                    uncommitted.set(i, new Op(op.seq, ignored -> { }, 0, 0));
                    failed(e, "an operation failed; the change is not persisted");
                }
                // else the file closed: the change stays in uncommitted and is replayed into the reopened file
            }
        }
        return n;
    }

    /**
     * Opens the file again (when due) and replays the changes whose commit failed; true once they are
     * committed.
     */
    private boolean reopen(List<Op> uncommitted) {
        synchronized (reopener) {
            if (!reopener.due()) {
                return false;
            }
            try {
                file = JournalFile.reopen(fileName, f -> uncommitted.forEach(op -> op.apply.accept(f)));
                reopener.reopened();
                return true;
            } catch (RuntimeException e) {
                reopener.failed(e);
                return false;
            }
        }
    }

    /** A full disk fails every retry and every change: say so every 10 s, not thousands of times. */
    private void failed(RuntimeException e, String what) {
        long now = System.currentTimeMillis();
        if (now - lastFailureLog > 10_000) {
            lastFailureLog = now;
            LOG.error("session journal: {} ({})", what, e.toString());
        }
    }

    private void release(long durable) {
        List<Runnable> due = new ArrayList<>();
        synchronized (waiters) {
            while (!waiters.isEmpty() && waiters.peek().seq <= durable) {
                due.add(waiters.poll().callback);
            }
        }
        for (Runnable r : due) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("session journal: a durability callback failed: {}", e.toString());
            }
        }
    }

    /** Writes what is queued, commits and closes the file. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        JournalFile f = file;
        if (!f.store.isClosed()) {
            try {
                f.store.close();
            } catch (RuntimeException e) { // the disk refused the last write: what was acknowledged is committed
                failed(e, "closing failed; the file keeps its last commit");
                f.store.closeImmediately();
            }
        }
    }

    /**
     * A change: {@code appends} is the id of the message it writes, {@code removes} the id of the message it
     * removes (0: neither).
     */
    private record Op(long seq, Consumer<JournalFile> apply, long appends, long removes) {
    }

    private record Waiter(long seq, Runnable callback) implements Comparable<Waiter> {
        @Override
        public int compareTo(Waiter o) {
            return Long.compare(seq, o.seq);
        }
    }
}
