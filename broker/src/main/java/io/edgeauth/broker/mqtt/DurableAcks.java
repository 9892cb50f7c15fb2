package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.mqtt.persist.SessionJournal;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A connection's PUBACKs (and PUBRECs) in the order the PUBLISH packets came (MQTT 3.1.1 §4.6, MQTT 5
 * §4.6), each sent only once what its message wrote to the session journal is committed and, with
 * several nodes, once it is in the inbox of every other node it goes to: a message acknowledged to its
 * publisher is on disk in every persistent session it was queued for, and cannot be lost between nodes. Without a
 * journal, or when nothing waits, an acknowledgement goes out at once. Used on the connection's event
 * loop only.
 */
final class DurableAcks {
    private final SessionJournal journal;
    private final Executor loop;
    /** Null until something first waits (never, for most idle sessions): an empty deque costs 48 bytes. */
    private ArrayDeque<Pending> pending;

    DurableAcks(SessionJournal journal, Executor loop) {
        this.journal = journal;
        this.loop = loop;
    }

    /** The journal position before routing a message (pass it to {@link #send} afterwards). */
    long mark() {
        return journal == null ? 0 : journal.lastSequence();
    }

    /**
     * Sends {@code ack} once the journal holds everything written since {@code before} (0: nothing to wait
     * for, e.g. a refusal), and after every acknowledgement queued ahead of it.
     */
    void send(long before, Runnable ack) {
        send(before, null, ack, ack);
    }

    /**
     * {@link #send(long, Runnable)} that also waits for {@code handoff} (the message's hand-over to other
     * nodes, null if none): {@code ack} once it completes, {@code failed} instead if it fails.
     */
    void send(long before, CompletableFuture<Void> handoff, Runnable ack, Runnable failed) {
        long now = journal == null ? 0 : journal.lastSequence();
        long waitFor = now == before ? 0 : now; // 0: this message wrote nothing (and nobody else did meanwhile)
        if ((pending == null || pending.isEmpty()) && (waitFor == 0 || journal.isDurable(waitFor)) && (handoff == null || handoff.isDone())) {
            (handoff == null || !handoff.isCompletedExceptionally() ? ack : failed).run();
            return;
        }
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        pending.addLast(new Pending(waitFor, handoff, ack, failed));
        if (pending.size() == 1) {
            awaitHead();
        }
    }

    /** Sends a refusal in order, without waiting for the journal. */
    void sendInOrder(Runnable ack) {
        if (pending == null || pending.isEmpty()) {
            ack.run();
        } else {
            pending.addLast(new Pending(0, null, ack, ack));
        }
    }

    private void awaitHead() {
        Pending head = pending.peekFirst();
        if (head.waitFor != 0 && !journal.isDurable(head.waitFor)) {
            journal.whenDurable(head.waitFor, () -> loop.execute(this::flush));
        } else if (head.handoff != null && !head.handoff.isDone()) {
            head.handoff.whenComplete((ok, failure) -> loop.execute(this::flush));
        } else {
            // the journal's writer thread committed between the caller's check and this one: nothing to wait
            // for any more (dereferencing a null hand-over here lost the acknowledgement: a publisher hung)
            loop.execute(this::flush);
        }
    }

    private void flush() {
        while (!pending.isEmpty()) {
            Pending head = pending.peekFirst();
            if (head.waitFor != 0 && !journal.isDurable(head.waitFor) || head.handoff != null && !head.handoff.isDone()) {
                awaitHead();
                return;
            }
            pending.pollFirst();
            (head.handoff == null || !head.handoff.isCompletedExceptionally() ? head.ack : head.failed).run();
        }
    }

    /** An acknowledgement waiting for the journal position {@code waitFor} (0: none) and the hand-over (null: none). */
    private record Pending(long waitFor, CompletableFuture<Void> handoff, Runnable ack, Runnable failed) {
    }
}
