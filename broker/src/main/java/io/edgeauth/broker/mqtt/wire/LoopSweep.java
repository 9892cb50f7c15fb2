package io.edgeauth.broker.mqtt.wire;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The once-a-second visit of every MQTT connection of one event loop: keep-alive timeouts and the edge's own
 * per-connection deadlines ({@link PacketHandler#onTick}). Netty's {@code IdleStateHandler} and a timer per
 * session cost each idle connection a handler, its context and two scheduled tasks (about 330 bytes); here a
 * connection costs two links in this loop's list. The price is precision: a keep-alive or a token expiry ends
 * the connection up to one second late (Mosquitto checks its keep-alives on the same one-second beat).
 * Confined to its event loop: the list is touched only there.
 */
final class LoopSweep implements Runnable {
    static final long PERIOD_MILLIS = 1000;

    private MqttChannel head;

    /** One sweep per event loop of {@code loops}, each started on its loop. */
    static Map<EventExecutor, LoopSweep> start(EventExecutorGroup loops) {
        Map<EventExecutor, LoopSweep> sweeps = new IdentityHashMap<>();
        for (EventExecutor loop : loops) {
            LoopSweep sweep = new LoopSweep();
            sweeps.put(loop, sweep);
            loop.scheduleAtFixedRate(sweep, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }
        return sweeps; // never changed after this: safe to read from any thread once published
    }

    void add(MqttChannel c) {
        c.sweepNext = head;
        if (head != null) {
            head.sweepPrev = c;
        }
        head = c;
    }

    void remove(MqttChannel c) {
        if (c.sweepPrev != null) {
            c.sweepPrev.sweepNext = c.sweepNext;
        } else if (head == c) {
            head = c.sweepNext;
        } else {
            return; // not in the list (removed already)
        }
        if (c.sweepNext != null) {
            c.sweepNext.sweepPrev = c.sweepPrev;
        }
        c.sweepPrev = null;
        c.sweepNext = null;
    }

    @Override
    public void run() {
        sweepAt(System.nanoTime());
    }

    /** Visits every connection of this loop as if the time were {@code now} (a {@link System#nanoTime} value). */
    void sweepAt(long now) {
        MqttChannel c = head;
        while (c != null) {
            MqttChannel next = c.sweepNext;
            c.sweep(now); // reports its own errors: one connection's bug must not stop the others' timeouts
            c = next;
        }
    }
}
