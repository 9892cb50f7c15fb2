package io.edgeauth.simulator;

import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a fleet of {@link VirtualDevice}s for the configured duration: starts them at the connect rate,
 * prints progress lines, then stops them and prints the one-line summary.
 *
 * <p>Threads do not grow with the fleet: one shared scheduler (ramp, publishes, token refreshes,
 * progress), one shared {@link HttpClient} with a small executor, and HiveMQ's shared Netty event loop.
 */
final class Simulation {
    /** How often the ramp starts the devices that are due. */
    static final Duration RAMP_TICK = Duration.ofMillis(10);
    /** How long to wait for in-flight messages and disconnects at the end. */
    static final Duration DRAIN = Duration.ofSeconds(5);

    /** What all devices share. */
    record Shared(ScheduledExecutorService scheduler, HttpClient http, AdminClient admin, MqttClientExecutorConfig mqttExecutor,
            byte[] payload) {
    }

    private final SimulationConfig config;
    private final PrintStream out;
    private final Stats stats = new Stats();

    Simulation(SimulationConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    Stats stats() {
        return stats;
    }

    /** Runs to the end and returns the stats (the summary line has been printed). */
    Stats run() throws InterruptedException {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors() / 2), daemon("sim-scheduler"));
        ExecutorService httpExecutor = Executors.newFixedThreadPool(2, daemon("sim-http"));
        try {
            HttpClient http = HttpClient.newBuilder().executor(httpExecutor).connectTimeout(Duration.ofSeconds(10)).build();
            AdminClient admin = config.adminCredential() == null ? null : new AdminClient(http, config.brokerUrl(), config.adminCredential());
            MqttClientExecutorConfig mqttExecutor = config.nettyThreads() > 0
                    ? MqttClientExecutorConfig.builder().nettyThreads(config.nettyThreads()).build() : null;
            byte[] payload = new byte[config.payloadBytes()];
            new Random(42).nextBytes(payload);
            Shared shared = new Shared(scheduler, http, admin, mqttExecutor, payload);
            return run(shared);
        } finally {
            scheduler.shutdownNow();
            httpExecutor.shutdownNow();
        }
    }

    private Stats run(Shared shared) throws InterruptedException {
        LoadShape shape = config.shape();
        VirtualDevice[] devices = new VirtualDevice[shape.devices()];
        AtomicInteger next = new AtomicInteger();
        long startNanos = System.nanoTime();
        out.printf(java.util.Locale.ROOT, "simulating %d devices, %.2f msg/s each (target %.1f msg/s), ramp %.1fs, run %.1fs, against %s, mqtt %s:%d%n",
                shape.devices(), shape.ratePerDevice(), shape.targetRate(), shape.rampDuration().toMillis() / 1000.0,
                config.duration().toMillis() / 1000.0, config.brokerUrl(), config.mqttHost(), config.mqttPort());

        ScheduledFuture<?>[] ramp = new ScheduledFuture<?>[1];
        ramp[0] = shared.scheduler().scheduleAtFixedRate(() -> {
            int due = shape.startedBy(Duration.ofNanos(System.nanoTime() - startNanos));
            for (int i = next.get(); i < due; i = next.incrementAndGet()) {
                devices[i] = new VirtualDevice(i, config, shared, stats);
                devices[i].start();
            }
            if (next.get() >= devices.length && ramp[0] != null) {
                ramp[0].cancel(false);
            }
        }, 0, RAMP_TICK.toNanos(), TimeUnit.NANOSECONDS);
        long progressNanos = config.progressInterval().toNanos();
        ScheduledFuture<?> progress = shared.scheduler().scheduleAtFixedRate(
                () -> out.println(stats.progressLine(Duration.ofNanos(System.nanoTime() - startNanos), System.nanoTime())),
                progressNanos, progressNanos, TimeUnit.NANOSECONDS);

        CountDownLatch end = new CountDownLatch(1);
        shared.scheduler().schedule(end::countDown, config.duration().toNanos(), TimeUnit.NANOSECONDS);
        end.await();
        ramp[0].cancel(false);
        progress.cancel(false);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);

        List<VirtualDevice> started = new ArrayList<>();
        for (VirtualDevice d : devices) {
            if (d != null) {
                d.stopPublishing();
                started.add(d);
            }
        }
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (System.nanoTime() < deadline && started.stream().anyMatch(d -> d.inFlight() > 0)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        CompletableFuture<?>[] stops = started.stream().map(VirtualDevice::stop).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(stops).get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            out.println("some devices did not disconnect cleanly: " + e);
        }
        out.println(stats.summaryLine(elapsed));
        return stats;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
