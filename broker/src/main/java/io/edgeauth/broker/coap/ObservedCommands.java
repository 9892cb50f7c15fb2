package io.edgeauth.broker.coap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Response;

/**
 * The commands waiting for one Observe relation on {@code /d/{id}/down}, sent one CON notification at a time in
 * the order they were published: the next goes out once the device has acknowledged the one before. Californium
 * keeps one notification in transit and replaces the one waiting behind it with any newer one (Observe carries
 * state, RFC 7641 §4.5.2), which lost commands published faster than the device acknowledged; with this queue in
 * front only one notification is normally outstanding, and every notification carries the oldest command not yet
 * acknowledged, so a replaced notification loses nothing: a command leaves the queue only when the device
 * acknowledged it (at least once: a command may arrive twice). When its relation ends the queue may be
 * {@link #moveTo moved}, to nothing while it waits for the device to register again, then to that new relation
 * ({@link CoapObservations}). At most {@link #CAPACITY} commands wait; beyond that the oldest is dropped and
 * counted. A command larger than one block counts as acknowledged only once the device also fetched its last
 * block ({@link BlockwiseNotification}): before 2026-12-07 the next command went out on the first block's
 * acknowledgement, replaced the transfer, and the device lost the first command or got two spliced (tour R, R12).
 * Thread-safe.
 */
final class ObservedCommands {
    /** Commands that may wait for one relation. */
    static final int CAPACITY = 64;

    private static final Command NONE = new Command(null, new byte[0], 0);

    /**
     * One command, the topic it was published to and when it expires (epoch ms, 0: never), compared by identity:
     * published twice is two commands.
     */
    static final class Command {
        final String topic;
        final byte[] payload;
        final long expiresAtMillis;

        Command(String topic, byte[] payload) {
            this(topic, payload, 0);
        }

        Command(String topic, byte[] payload, long expiresAtMillis) {
            this.topic = topic;
            this.payload = payload;
            this.expiresAtMillis = expiresAtMillis;
        }

        boolean expiredAt(long nowMillis) {
            return io.edgeauth.broker.router.MessageAttributes.expired(expiresAtMillis, nowMillis);
        }
    }

    private static final Runnable NOBODY = () -> { };

    /** Guarded by this: it changes when the queue moves to another relation. */
    private Runnable notify;
    private final Runnable dropped;
    private final java.time.Clock clock;
    /** Made on the first command: a fleet may hold a million relations that never get one. */
    private ArrayDeque<Command> waiting;
    /** The last command the device acknowledged (sent again should a notification be asked for with none waiting). */
    private Command last = NONE;
    private boolean outstanding;
    /** The last Observe number given out: the queue outlives a relation, so a re-registration continues it. */
    private int observeNumber;
    /** The notification whose first block was acknowledged while the device fetches the others, or null. */
    private Delivery fetching;
    private long fetchingSinceMillis;
    /** False until the registration's answer is out: a notification before it could not be acknowledged. */
    private boolean started;

    /**
     * @param notify  asks Californium for a notification on this relation (the resource's {@code changed})
     * @param dropped counts a command dropped because {@link #CAPACITY} were waiting
     */
    ObservedCommands(Runnable notify, Runnable dropped) {
        this(notify, dropped, java.time.Clock.systemUTC());
    }

    /** @param clock the clock command expiry is stamped with (the broker's) */
    ObservedCommands(Runnable notify, Runnable dropped, java.time.Clock clock) {
        this.notify = notify == null ? NOBODY : notify;
        this.dropped = dropped;
        this.clock = clock;
    }

    /**
     * A command was published to the device on {@code topic} ({@code d/{id}/down} or below): it waits its turn, and
     * goes out at once when nothing is outstanding.
     */
    void offer(String topic, byte[] payload) {
        offer(topic, payload, 0);
    }

    /** As {@link #offer(String, byte[])}, for a command that expires at {@code expiresAtMillis} (0: never). */
    void offer(String topic, byte[] payload, long expiresAtMillis) {
        boolean full;
        boolean send;
        Runnable target;
        synchronized (this) {
            if (waiting == null) {
                waiting = new ArrayDeque<>(4);
            }
            full = waiting.size() >= CAPACITY;
            if (full) {
                waiting.pollFirst(); // the oldest; if its notification is out, its acknowledgement sends the next
            }
            waiting.addLast(new Command(topic, payload, expiresAtMillis));
            send = started && !outstanding;
            outstanding |= send;
            target = notify;
        }
        if (full) {
            dropped.run();
        }
        if (send) {
            target.run();
        }
    }

    /**
     * The next Observe number (RFC 7641 §4.4: the 24 low bits of a strictly increasing sequence) for an answer or
     * notification of the relation this queue serves. Kept here, not in the resource (one per registration), so a
     * re-registration continues the sequence (§3.3.1: the same observation); before 2026-12-07 it started again at
     * 0, and a client applying §3.4 across it would take the next commands for stale ones (tour R, R4).
     */
    synchronized int nextObserveNumber() {
        observeNumber = (observeNumber + 1) & 0xFFFFFF;
        return observeNumber;
    }

    /** The registration was answered (the relation is established): what waits already goes out. */
    void start() {
        Runnable target;
        synchronized (this) {
            started = true;
            if (outstanding || waiting == null || waiting.isEmpty()) {
                return;
            }
            outstanding = true;
            target = notify;
        }
        target.run();
    }

    /**
     * The queue now serves another relation ({@code notify} asks Californium for a notification on it), or none
     * ({@code null}: its relation ended and the queue waits for the device to register again). Commands keep
     * waiting, and go out once {@link #start()} says the new relation's registration was answered; an
     * acknowledgement of a notification sent on the old relation still takes its command off.
     */
    synchronized void moveTo(Runnable notify) {
        this.notify = notify == null ? NOBODY : notify;
        fetching = null; // the new relation sends the command again, whole
        started = false;
        outstanding = false;
    }

    /**
     * The next notification: the oldest waiting command, watched for the device's acknowledgement, else the last
     * acknowledged one (empty before the first). A command's topic travels as its
     * Location-Path ({@code d/pump-1/down/valve}: the device tells {@code d/{id}/down/#} commands apart, as an MQTT
     * device does by topic).
     */
    Response notification() {
        Command command;
        boolean pending;
        int expired = 0;
        synchronized (this) {
            long now = waiting == null || waiting.isEmpty() ? 0 : clock.millis();
            while (waiting != null && !waiting.isEmpty() && waiting.peekFirst().expiredAt(now)) {
                waiting.pollFirst(); // an expired command is not sent (MQTT 5 §3.3.2.3.3, as to an MQTT device)
                expired++;
            }
            Command head = waiting == null ? null : waiting.peekFirst();
            pending = head != null;
            command = pending ? head : last;
        }
        for (int i = 0; i < expired; i++) {
            dropped.run();
        }
        Response response = new Response(ResponseCode.CONTENT);
        response.setPayload(command.payload);
        response.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        if (command.topic != null && fitsLocationPath(command.topic)) {
            for (String level : command.topic.split("/", -1)) { // empty levels too (setLocationPath drops a last one)
                response.getOptions().addLocationPath(level);
            }
        }
        if (pending) {
            response.addMessageObserver(new Delivery(command));
        }
        return response;
    }

    /**
     * The device acknowledged the notification that carried {@code command}: it leaves the queue (unless it left
     * already: dropped, or acknowledged through a second notification) and the next waiting one goes out.
     */
    void acknowledged(Command command) {
        Runnable target;
        synchronized (this) {
            if (waiting.peekFirst() == command) { // waiting exists: a command was sent
                waiting.pollFirst();
                last = command;
            }
            if (waiting.isEmpty() || !started) { // not started: moved, the next goes out on start()
                outstanding = false;
                return;
            }
            outstanding = true;
            target = notify;
        }
        target.run();
    }

    /**
     * Watches the notification that carries {@code command}: the command is delivered once the device acknowledged
     * the notification and, when it went out in blocks, the last block was sent to the device
     * ({@link BlockwiseNotification}); only then does the next command go out. Releases at most once.
     */
    /** How long after a command's last block the next command waits (see {@link Delivery#lastBlockSent}). */
    static final java.util.concurrent.Executor LAST_BLOCK_GRACE =
            java.util.concurrent.CompletableFuture.delayedExecutor(100, java.util.concurrent.TimeUnit.MILLISECONDS);

    private final class Delivery extends MessageObserverAdapter implements BlockwiseNotification {
        private final Command command;
        /** Guarded by the queue. */
        private boolean acknowledged;
        private boolean inBlocks;
        private boolean lastBlockSent;
        private boolean released;

        Delivery(Command command) {
            this.command = command;
        }

        @Override
        public void onAcknowledgement() {
            synchronized (ObservedCommands.this) {
                acknowledged = true;
                if (inBlocks && !lastBlockSent) { // the device fetches the rest now: wait for its last block
                    fetching = this;
                    fetchingSinceMillis = clock.millis();
                    return;
                }
            }
            release();
        }

        @Override
        public void firstOfSeveralBlocksSent() {
            synchronized (ObservedCommands.this) {
                inBlocks = true;
            }
        }

        @Override
        public void lastBlockSent() {
            synchronized (ObservedCommands.this) {
                lastBlockSent = true;
                if (!acknowledged) {
                    return;
                }
            }
            // the block has left, but the device may still be taking it in on another thread when the next
            // notification arrives, and Californium's client hands a newer notification the transfer (a command was
            // lost so in a CI run): the next command waits a little
            java.util.concurrent.CompletableFuture.runAsync(this::release, LAST_BLOCK_GRACE);
        }

        private void release() {
            synchronized (ObservedCommands.this) {
                if (released) {
                    return;
                }
                released = true;
                if (fetching == this) {
                    fetching = null;
                }
            }
            acknowledged(command);
        }

        @Override
        protected void failed() {
            ObservedCommands.this.failed();
        }
    }

    /**
     * A command whose first block the device acknowledged {@code maxFetchMillis} ago or longer without fetching its
     * last block (the edge's Block2 transfer has expired by then: coap.blockwiseLifetime) is dropped and counted, and
     * the next one goes out; called by the sweep. A device that cannot fetch blocks would otherwise hold its queue.
     */
    void dropUnfetched(long maxFetchMillis) {
        Delivery stalled;
        synchronized (this) {
            stalled = fetching;
            if (stalled == null || clock.millis() - fetchingSinceMillis < maxFetchMillis) {
                return;
            }
            fetching = null;
            stalled.released = true;
        }
        dropped.run();
        acknowledged(stalled.command);
    }

    /**
     * A notification that carried a command was not delivered (timeout, reset, cancelled): Californium ends the
     * relation with it; should the relation stay, the next command published sends the waiting ones again.
     */
    synchronized void failed() {
        outstanding = false;
    }

    /**
     * True when every level of {@code topic} can be a Location-Path option: at most 255 bytes, not "." or ".."
     * (RFC 7252 §5.10.7). An MQTT topic may hold either; such a command goes out without its topic.
     */
    static boolean fitsLocationPath(String topic) {
        for (String level : topic.split("/", -1)) {
            if (level.equals(".") || level.equals("..") || level.getBytes(StandardCharsets.UTF_8).length > 255) {
                return false;
            }
        }
        return true;
    }

    /** The commands waiting now, oldest first (the outstanding one included): what a clean stop keeps. */
    synchronized java.util.List<Command> waitingCommands() {
        return waiting == null ? java.util.List.of() : java.util.List.copyOf(waiting);
    }

    /** Commands waiting now (the outstanding one included). */
    synchronized int waiting() {
        return waiting == null ? 0 : waiting.size();
    }
}
