package io.edgeauth.simulator;

import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One simulated device, made only of device-sdk pieces: an in-memory identity, a token client and
 * manager (refreshing on the shared scheduler), and an MQTT client (on HiveMQ's shared event loop).
 * It owns no thread: its publishes are a periodic task on the shared scheduler.
 */
final class VirtualDevice {
    /** More unacknowledged messages than this and a device skips a beat (counted as {@code backpressure}). */
    static final int MAX_IN_FLIGHT = 1000;

    private final int index;
    private final SimulationConfig config;
    private final Simulation.Shared shared;
    private final Stats stats;
    private final String id;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile TokenManager tokens;
    private volatile DeviceMqttClient mqtt;
    private volatile ScheduledFuture<?> publishing;
    private volatile boolean stopped;
    private final java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean();

    VirtualDevice(int index, SimulationConfig config, Simulation.Shared shared, Stats stats) {
        this.index = index;
        this.config = config;
        this.shared = shared;
        this.stats = stats;
        this.id = config.deviceId(index);
    }

    /** Registers (if an admin credential is configured), gets a token, connects, starts publishing. */
    CompletableFuture<Void> start() {
        stats.deviceStarted();
        CompletableFuture<Void> done;
        try {
            DeviceIdentity identity = DeviceIdentity.generate(id);
            CompletableFuture<Void> registered = shared.admin() == null ? CompletableFuture.completedFuture(null)
                    : shared.admin().register(id, config.tenant(), identity.publicJwk());
            done = registered.thenCompose(v -> {
                TokenClient client = TokenClient.builder().brokerUri(config.brokerUrl()).identity(identity)
                        .tokenFormat(config.tokenFormat()).httpClient(shared.http()).build();
                tokens = TokenManager.builder(client).scheduler(shared.scheduler()).name(id).build();
                return tokens.start();
            }).thenCompose(token -> {
                DeviceMqttClient.Builder b = DeviceMqttClient.builder().deviceId(id)
                        .serverHost(config.mqttHost()).serverPort(config.mqttPort())
                        .mqttVersion(config.mqttVersion()).enhancedAuth(config.enhancedAuth())
                        .tokens(tokens)
                        .connectionListener(new DeviceMqttClient.ConnectionListener() {
                            @Override
                            public void onConnected() {
                                if (up.compareAndSet(false, true)) {
                                    stats.up();
                                }
                            }

                            @Override
                            public void onDisconnected(String reason) {
                                if (up.compareAndSet(true, false)) {
                                    stats.down();
                                    if (!stopped && !"closed_by_client".equals(reason)) {
                                        stats.dropped(reason);
                                    }
                                }
                            }
                        });
                if (shared.mqttExecutor() != null) {
                    b.executorConfig(shared.mqttExecutor());
                }
                mqtt = b.build();
                return mqtt.connect();
            });
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        return done.whenComplete((v, e) -> {
            if (e != null) {
                stats.connectFailed(reason(e));
                release();
            } else {
                stats.connected();
                schedulePublishing();
            }
        });
    }

    private void schedulePublishing() {
        Duration interval = config.shape().publishInterval();
        if (interval == null || stopped) {
            return;
        }
        publishing = shared.scheduler().scheduleAtFixedRate(this::publishOnce,
                config.shape().firstPublishDelay(index).toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void publishOnce() {
        DeviceMqttClient m = mqtt;
        if (stopped || m == null) {
            return;
        }
        if (!m.isConnected()) {
            stats.publishFailed("not_connected");
            return;
        }
        if (inFlight.get() >= MAX_IN_FLIGHT) {
            stats.publishFailed("backpressure");
            return;
        }
        inFlight.incrementAndGet();
        long t0 = System.nanoTime();
        stats.sent();
        m.publishTelemetry("telemetry", shared.payload(), config.qos()).whenComplete((v, e) -> {
            inFlight.decrementAndGet();
            if (e != null) {
                stats.publishFailed(reason(e));
            } else {
                stats.acked(System.nanoTime() - t0);
            }
        });
    }

    /** Stops publishing (in-flight messages may still complete). */
    void stopPublishing() {
        stopped = true;
        ScheduledFuture<?> p = publishing;
        if (p != null) {
            p.cancel(false);
        }
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Disconnects and stops refreshing tokens. */
    CompletableFuture<Void> stop() {
        stopPublishing();
        DeviceMqttClient m = mqtt;
        CompletableFuture<Void> f = m == null ? CompletableFuture.completedFuture(null) : m.disconnect().handle((v, e) -> null);
        return f.whenComplete((v, e) -> {
            if (up.compareAndSet(true, false)) {
                stats.down();
            }
            release();
        });
    }

    private void release() {
        TokenManager t = tokens;
        if (t != null) {
            t.close();
        }
    }

    static String reason(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof AdminClient.RegistrationException) {
            return t.getMessage();
        }
        if (t instanceof java.io.IOException) {
            return "io:" + t.getClass().getSimpleName();
        }
        return DeviceMqttClient.failureReason(t);
    }
}
