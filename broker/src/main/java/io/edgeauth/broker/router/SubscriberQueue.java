package io.edgeauth.broker.router;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The standard bounded {@link Subscriber}: a FIFO queue with a fixed bound, an inflight window for QoS 1 deliveries
 * that wait for an acknowledgement, and a {@link Sink} that is attached while the client is connected and detached
 * while it is away (persistent sessions keep queueing QoS 1).
 *
 * <p>Bounds and overflow (the documented policy):
 * <ul>
 *   <li>online: at most {@code capacity} queued messages plus {@code inflightWindow} unacknowledged ones. Above
 *       {@code capacity * 3/4} offers answer {@link Offer#CONGESTED} so publishers pause; once the queue drains to
 *       {@code capacity / 4} the {@link #whenWritable} callbacks run. When the queue is full anyway, a QoS 0 message
 *       is dropped and a QoS 1 message is handled by the {@link OverflowPolicy} (drop oldest by default); every drop
 *       is reported to {@code onDrop}.</li>
 *   <li>offline: QoS 0 is dropped, QoS 1 is queued up to {@code offlineCapacity}, then the policy applies. An offline
 *       subscriber never reports congestion (a device that stays away must not stall the publishers).</li>
 * </ul>
 * Unacknowledged QoS 1 deliveries go back to the head of the queue when the sink is detached and are sent again (with
 * DUP) on the next attach. Thread-safe: {@link #offer} may be called from any thread; the sink is always called on the executor's thread
 * (the connection's event loop), one delivery at a time: directly when the caller is already on that thread
 * ({@link Sink#onExecutorThread()}), otherwise through the executor.
 */
public final class SubscriberQueue implements Subscriber {
    /** Where deliveries go while the client is connected. Called on the executor only. */
    @FunctionalInterface
    public interface Sink {
        /** Sends one delivery; a QoS 1 delivery stays inflight until {@link #acknowledged} is called with it. */
        void send(Delivery delivery);

        /** False while the transport's write buffer is full; call {@link #wakeUp()} when it drains. */
        default boolean ready() {
            return true;
        }

        /**
         * True when the calling thread is the one the executor runs on (the connection's event loop). The queue then
         * delivers at once instead of handing a task to the executor: no hop, no queueing delay, still one at a time.
         */
        default boolean onExecutorThread() {
            return false;
        }
    }

    /** Drop reasons reported to {@code onDrop}. */
    public static final String DROP_QUEUE_FULL = "queue_full";
    public static final String DROP_OVERFLOW_OLDEST = "overflow_oldest";
    public static final String DROP_OFFLINE_QOS0 = "offline_qos0";
    /** Owed to a session that ended with its connection (no offline queue): gone with it, as MQTT says. */
    public static final String DROP_SESSION_ENDED = "session_ended";
    /** Queued under access the session's principal (or the message's publisher) no longer has. */
    public static final String DROP_ACCESS_CHANGED = "access_changed";
    /** Owed to a persistent session when it went offline, beyond its offline bound (the newest go). */
    public static final String DROP_OFFLINE_QUEUE_FULL = "offline_queue_full";
    /** Its Message Expiry Interval passed before it was sent (MQTT 5 §3.3.2.3.3). */
    public static final String DROP_EXPIRED = "message_expired";

    private final String id;
    private final int capacity;
    private volatile int offlineCapacity; // a resume may give the session another expiry (offlineCapacity(int))
    private final int highWater;
    private final int lowWater;
    private final OverflowPolicy policy;
    private final Consumer<String> onDrop;
    private final Object lock = new Object();
    // start at two slots, not the default sixteen: most sessions are idle, and the deques grow when used
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>(1);
    // null until the first QoS 1 delivery and while nobody waits: an idle session's queue is one of thousands,
    // and the two empty collections cost each 72 bytes
    private ArrayDeque<Delivery> unacked;
    private List<Runnable> writableWaiters;
    private Executor executor;
    private volatile Sink sink; // read without the lock by connected()
    private int inflightWindow;
    private boolean drainScheduled;
    /** Set for persistent sessions: QoS 1 messages are journaled until they leave for good. */
    private QueueJournal journal;
    private String journalKey;
    private long stuckAfterNanos = Long.MAX_VALUE; // how long it may hold publishers back; past it, only its bound applies
    private long congestedSinceNanos; // when the queue last crossed its high-water mark (0: below it)
    /**
     * No queued message expires before this (epoch ms; MAX_VALUE: none expires): a full queue looks for expired
     * messages to drop only once one may be. Lowered on every add, raised only by that look.
     */
    private long earliestExpiry = Long.MAX_VALUE;
    private java.time.Clock expiryClock = java.time.Clock.systemUTC(); // what the messages' expiry was stamped with
    private boolean sharesHandedBack; // its session ended and takeShared took what it owed share groups
    /** Most deliveries taken from the queue per lock acquisition in {@link #drain()}. */
    static final int DRAIN_BATCH = 64;

    /**
     * @param id              for logs
     * @param capacity        bound of the online queue (at least 1)
     * @param offlineCapacity bound of the queue while detached (0: nothing kept)
     * @param inflightWindow  QoS 1 deliveries that may await acknowledgement at once (at least 1)
     * @param policy          what happens to QoS 1 at the bound
     * @param onDrop          told the reason of every dropped message (metrics)
     */
    public SubscriberQueue(String id, int capacity, int offlineCapacity, int inflightWindow,
                           OverflowPolicy policy, Consumer<String> onDrop) {
        if (capacity < 1 || offlineCapacity < 0 || inflightWindow < 1) {
            throw new IllegalArgumentException("capacity and inflight window must be positive");
        }
        this.id = Objects.requireNonNull(id, "id");
        this.capacity = capacity;
        this.offlineCapacity = offlineCapacity;
        this.inflightWindow = inflightWindow;
        this.highWater = Math.max(1, capacity * 3 / 4);
        this.lowWater = capacity / 4;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.onDrop = onDrop == null ? r -> { } : onDrop;
    }

    @Override
    public String id() {
        return id;
    }

    /** Whether a client is attached now: share groups prefer such members (a hint, read without the lock). */
    @Override
    public boolean connected() {
        return sink != null;
    }

    /** The bound while detached from now on ({@code offlineCapacity} of the constructor): set at each resume. */
    public void offlineCapacity(int bound) {
        offlineCapacity = Math.max(0, bound);
    }

    /**
     * A subscriber that stays above its high-water mark for longer than {@code limit} is stuck (a client that stopped
     * reading): from then on its offers no longer ask publishers to pause (its overflow policy drops instead), so one
     * stuck subscriber cannot throttle a publisher, and every other subscriber of it, for more than {@code limit}.
     * Congestion is signalled again once it has drained to its low-water mark.
     */
    public void stuckAfter(java.time.Duration limit) {
        synchronized (lock) {
            stuckAfterNanos = limit.toNanos();
        }
    }

    /** Under the lock: whether a full queue should still ask publishers to pause. */
    private boolean signalsCongestion() {
        long now = System.nanoTime();
        if (congestedSinceNanos == 0) {
            congestedSinceNanos = now | 1; // never 0 while congested
            return true;
        }
        return now - congestedSinceNanos < stuckAfterNanos;
    }

    /**
     * Journals this queue's QoS 1 messages under {@code key} from now on (null: stop journaling and forget what was
     * journaled). Messages already queued are journaled at once: the journal holds exactly what this queue still owes.
     */
    public void journal(QueueJournal newJournal, String key) {
        synchronized (lock) {
            if (journal == newJournal && Objects.equals(journalKey, key)) {
                return;
            }
            QueueJournal.move(queue, journal, newJournal, key);
            if (unacked != null) {
                QueueJournal.move(unacked, journal, newJournal, key);
            }
            journal = newJournal;
            journalKey = key;
        }
    }

    /**
     * Puts a message restored from the journal at the tail (start-up, before the client is back) with its journal id.
     * Not bounded: the journal holds at most what the bounds let in before the restart.
     */
    public void restore(RoutedMessage message, long journalId) {
        synchronized (lock) {
            queue.addLast(new Delivery(message, 1, true, journalId));
            noteExpiry(message);
        }
    }

    /** The clock the edge stamps message expiry with (the system clock by default). */
    public void expiryClock(java.time.Clock clock) {
        this.expiryClock = Objects.requireNonNull(clock, "clock");
    }

    private void noteExpiry(RoutedMessage message) {
        long expiry = message.attributes().expiresAtMillis();
        if (expiry != 0 && expiry < earliestExpiry) {
            earliestExpiry = expiry;
        }
    }

    /** Drops the queued messages whose expiry passed, if any may have (under the lock). */
    private void dropExpired() {
        long now = expiryClock.millis();
        if (now < earliestExpiry) {
            return;
        }
        take(queue, d -> d.message().expiredAt(now), d -> onDrop.accept(DROP_EXPIRED));
        earliestExpiry = Long.MAX_VALUE;
        queue.forEach(d -> noteExpiry(d.message()));
    }

    /** The session ended: what it still owed its client leaves the journal. */
    public void discard() {
        synchronized (lock) {
            queue.forEach(this::forget);
            queue.clear();
            if (unacked != null) {
                unacked.forEach(this::forget);
                unacked = null;
            }
        }
    }

    /**
     * Drops the queued (and unacknowledged) messages {@code unwanted} names, each counted under {@code reason} and
     * taken out of the journal: messages queued under access the session no longer has. How many went.
     */
    public int purge(java.util.function.Predicate<RoutedMessage> unwanted, String reason) {
        synchronized (lock) {
            // unacknowledged ones too: a connection being taken over would otherwise put them back at its detach
            return purge(queue, unwanted, reason) + (unacked == null ? 0 : purge(unacked, unwanted, reason));
        }
    }

    private int purge(ArrayDeque<Delivery> deliveries, java.util.function.Predicate<RoutedMessage> unwanted, String reason) {
        return take(deliveries, d -> unwanted.test(d.message()), d -> onDrop.accept(reason));
    }

    /**
     * Takes out the QoS 1 messages this queue got through share groups and still owes, sent or not, oldest first, and
     * out of the journal: its session ended and they go to the groups' other members (MQTT 5 §4.8.2).
     */
    List<Delivery> takeShared() {
        List<Delivery> taken = new ArrayList<>();
        synchronized (lock) {
            sharesHandedBack = true;
            if (unacked != null) {
                take(unacked, d -> d.shareGroup() != null, taken::add);
            }
            take(queue, d -> d.shareGroup() != null && d.qos() > 0, taken::add);
        }
        return taken;
    }

    /** Removes what {@code which} names from {@code from}, out of the journal, and hands each {@code to}; how many. */
    private int take(ArrayDeque<Delivery> from, java.util.function.Predicate<Delivery> which, Consumer<Delivery> to) {
        int n = 0;
        for (Iterator<Delivery> it = from.iterator(); it.hasNext(); ) {
            Delivery d = it.next();
            if (which.test(d)) {
                it.remove();
                forget(d);
                to.accept(d);
                n++;
            }
        }
        return n;
    }

    private void forget(Delivery d) {
        if (d.journalId() > 0 && journal != null) {
            journal.remove(d.journalId());
        }
    }

    /** Connects the sink (client online); queued messages start flowing on {@code executor}. */
    public void attach(Sink newSink, Executor newExecutor, int window) {
        synchronized (lock) {
            requeueUnacked(); // a taken-over connection's packet ids mean nothing to the new one
            this.sink = Objects.requireNonNull(newSink, "sink");
            this.executor = Objects.requireNonNull(newExecutor, "executor");
            this.inflightWindow = Math.max(1, window);
        }
        scheduleDrain();
    }

    /** Disconnects the sink (client gone); unacknowledged deliveries are queued again, at the head. */
    public void detach() {
        List<Runnable> waiters;
        synchronized (lock) {
            sink = null;
            congestedSinceNanos = 0;
            requeueUnacked();
            String reason = offlineCapacity == 0 ? DROP_SESSION_ENDED : DROP_OFFLINE_QUEUE_FULL;
            while (queue.size() > offlineCapacity) {
                forget(queue.pollLast());
                onDrop.accept(reason);
            }
            waiters = takeWaiters();
        }
        waiters.forEach(Runnable::run); // nobody waits on an offline session
    }

    @Override
    public Offer offer(RoutedMessage message, int qos) {
        return offer(message, qos, null);
    }

    /** {@link #offer(RoutedMessage, int)} of a message a member of {@code group} gets through it (null: not shared). */
    Offer offer(RoutedMessage message, int qos, ShareGroup group) {
        Delivery delivery = new Delivery(message, Math.min(qos, 1), 0, group);
        Offer result = null;
        queueing:
        synchronized (lock) {
            if (sharesHandedBack && group != null && delivery.qos() > 0) {
                break queueing; // a publish that chose this member before it left: handed on, outside the lock, below
            }
            boolean online = sink != null;
            int bound = online ? capacity : offlineCapacity;
            if (!online && delivery.qos() == 0) {
                onDrop.accept(DROP_OFFLINE_QOS0);
                return Offer.DROPPED;
            }
            if (queue.size() >= bound && earliestExpiry != Long.MAX_VALUE) {
                dropExpired(); // expired messages must not take the room of live ones
            }
            if (queue.size() >= bound) {
                if (delivery.qos() == 0 || policy == OverflowPolicy.DROP_NEW || bound == 0) {
                    onDrop.accept(DROP_QUEUE_FULL);
                    return Offer.DROPPED;
                }
                forget(queue.pollFirst());
                onDrop.accept(DROP_OVERFLOW_OLDEST);
            }
            if (journal != null && delivery.qos() > 0) { // journaled only once it is sure to be queued
                delivery = delivery.journaled(journal.append(journalKey, message));
            }
            queue.addLast(delivery);
            noteExpiry(message);
            result = online && queue.size() >= highWater && signalsCongestion() ? Offer.CONGESTED : Offer.ACCEPTED;
        }
        if (result == null) {
            return SharedRedelivery.handOn(message, group, this, onDrop);
        }
        scheduleDrain();
        if (result == Offer.CONGESTED) { // a drain on this thread may have emptied it meanwhile
            synchronized (lock) {
                result = sink != null && queue.size() >= highWater ? Offer.CONGESTED : Offer.ACCEPTED;
            }
        }
        return result;
    }

    @Override
    public void whenWritable(Runnable callback) {
        boolean now;
        synchronized (lock) {
            now = sink == null || queue.size() <= lowWater;
            if (!now) {
                if (writableWaiters == null) {
                    writableWaiters = new ArrayList<>(2);
                }
                writableWaiters.add(callback);
            }
        }
        if (now) {
            callback.run();
        }
    }

    /** The client acknowledged a QoS 1 delivery: frees a slot of the inflight window. */
    public void acknowledged(Delivery delivery) {
        synchronized (lock) {
            if (unacked == null || !unacked.removeFirstOccurrence(delivery)) {
                return;
            }
            forget(delivery); // the deque stays once made: a QoS 1 flow must not allocate one per message
        }
        scheduleDrain();
    }

    /** The transport can take writes again: resume delivery. */
    public void wakeUp() {
        scheduleDrain();
    }

    /** Messages queued now (not counting inflight). */
    public int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** QoS 1 deliveries sent and not yet acknowledged. */
    public int inflight() {
        synchronized (lock) {
            return unacked == null ? 0 : unacked.size();
        }
    }

    private void scheduleDrain() {
        Executor ex;
        Sink target;
        synchronized (lock) {
            if (drainScheduled || sink == null) {
                return;
            }
            drainScheduled = true;
            ex = executor;
            target = sink;
        }
        if (target.onExecutorThread()) {
            drain(); // already on the sink's thread: deliver now (drainScheduled keeps it one at a time)
        } else {
            ex.execute(this::drain);
        }
    }

    /**
     * Sends what the window and the transport allow. Deliveries are taken from the queue up to
     * {@value #DRAIN_BATCH} per lock acquisition and sent outside the lock: the publisher's thread offers
     * under the same lock, and taking it once per message made the two threads trade it per message.
     */
    private void drain() {
        List<Runnable> waiters = List.of();
        Delivery[] batch = new Delivery[DRAIN_BATCH];
        while (true) {
            int n = 0;
            Sink target;
            synchronized (lock) {
                target = sink;
                if (target != null && target.ready()) {
                    while (n < DRAIN_BATCH) {
                        Delivery next = queue.peekFirst();
                        if (next == null || next.qos() > 0 && unacked != null && unacked.size() >= inflightWindow) {
                            break;
                        }
                        queue.pollFirst();
                        if (next.qos() > 0) {
                            if (unacked == null) {
                                unacked = new ArrayDeque<>(4);
                            }
                            unacked.addLast(next);
                        }
                        batch[n++] = next;
                    }
                }
                if (n == 0) {
                    drainScheduled = false;
                    if (queue.size() <= lowWater) {
                        waiters = takeWaiters();
                        congestedSinceNanos = 0;
                    }
                    break;
                }
            }
            for (int i = 0; i < n; i++) {
                try {
                    target.send(batch[i]);
                } catch (RuntimeException e) {
                    synchronized (lock) {
                        for (int k = n - 1; k > i; k--) { // not sent: back to the head, in order
                            if (unacked != null) {
                                unacked.removeLastOccurrence(batch[k]);
                            }
                            queue.addFirst(batch[k]);
                        }
                        drainScheduled = false; // a failing sink must not wedge the queue
                    }
                    throw e;
                }
            }
        }
        waiters.forEach(Runnable::run);
    }

    private void requeueUnacked() {
        if (unacked == null) {
            return;
        }
        Iterator<Delivery> it = unacked.descendingIterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            queue.addFirst(d.resent());
            noteExpiry(d.message());
        }
        unacked = null;
    }

    private List<Runnable> takeWaiters() {
        List<Runnable> taken = writableWaiters == null ? List.of() : writableWaiters;
        writableWaiters = null;
        return taken;
    }

    @Override
    public String toString() {
        return "SubscriberQueue{" + id + "}";
    }
}
