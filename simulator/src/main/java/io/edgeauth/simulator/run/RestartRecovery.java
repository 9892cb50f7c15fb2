package io.edgeauth.simulator.run;

import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.simulator.mqtt.MqttSession;
import io.edgeauth.simulator.report.RunRecorder;
import io.edgeauth.simulator.report.RunRecorder.Counter;
import io.edgeauth.simulator.report.Stage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The restart scenario's way back: a held session that lost its broker tries again every {@link #RETRY_EVERY}
 * (an MQTT session's first try too waits that long) until the broker answers or {@code --restart-window} has
 * passed ({@code restart:not_back}), then publishes one more QoS 1 message (which the observer must receive) and ends. The token it held is presented again (the broker
 * kept its keys and registry); a fresh one is fetched only if that one is refused. Thread-safe.
 */
final class RestartRecovery {
    static final Duration RETRY_EVERY = Duration.ofMillis(500);
    /** Outcomes of a connect that never reached a broker's answer (it is down or starting). */
    private static final java.util.Set<String> UNREACHABLE = java.util.Set.of("connect:connection_refused",
            "connect:connack_timeout", "connect:connection_closed", "connect:not_connected", "connect:io", "connect:timeout",
            "token:io", "token:timeout");

    private final SessionRunner runner;
    private final RunRecorder recorder;

    RestartRecovery(SessionRunner runner) {
        this.runner = runner;
        this.recorder = runner.recorder();
    }

    /** An MQTT device whose session closed while holding: reconnect, one message, disconnect. */
    CompletableFuture<Void> mqtt(long index, DeviceIdentity id, AccessToken token) {
        long dropped = dropped();
        long deadline = dropped + runner.settings().restart().window().toNanos();
        boolean[] fresh = {false};
        Supplier<CompletableFuture<MqttSession>> reconnect = () -> (fresh[0] ? runner.token(id)
                : CompletableFuture.completedFuture(token))
                .thenCompose(t -> runner.connect(id.deviceId(), t))
                .whenComplete((s, e) -> {
                    if (e != null && !UNREACHABLE.contains(StageFailure.of("connect", e).outcome())) {
                        fresh[0] = true; // the broker answered and refused: present a fresh token next time
                    }
                });
        // the first try waits too: a broker going down drops its sessions before it stops accepting, and a device
        // that reconnected at once reached the closing broker, was let in and lost its message with the connection
        return runner.after(RETRY_EVERY).thenCompose(x -> untilBack(deadline, reconnect)).thenCompose(session -> {
            back(dropped);
            int seq = runner.settings().messagesPerSession();
            return runner.publishAll(index, id.deviceId(), session, seq, 1).thenCompose(v -> session.disconnect());
        });
    }

    /** Counts a held session that lost its broker; returns when (nanoTime). */
    long dropped() {
        recorder.count(Counter.RESTART_DROPPED);
        return System.nanoTime();
    }

    /** Counts a session authorized again after losing its broker at {@code droppedAt}. */
    void back(long droppedAt) {
        recorder.count(Counter.RESTART_BACK);
        recorder.latency(Stage.RECONNECT, System.nanoTime() - droppedAt);
    }

    /** Runs {@code attempt} until it succeeds; fails with {@code restart:not_back} once {@code deadline} passed. */
    <T> CompletableFuture<T> untilBack(long deadline, Supplier<CompletableFuture<T>> attempt) {
        CompletableFuture<T> f;
        try {
            f = attempt.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.handle((v, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(v);
            }
            if (System.nanoTime() > deadline) {
                return CompletableFuture.<T>failedFuture(new StageFailure("restart:not_back"));
            }
            return runner.after(RETRY_EVERY).thenCompose(x -> untilBack(deadline, attempt));
        }).thenCompose(x -> x);
    }
}
