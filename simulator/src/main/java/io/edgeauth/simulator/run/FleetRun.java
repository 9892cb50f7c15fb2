package io.edgeauth.simulator.run;

import io.edgeauth.simulator.coap.CoapDevices;
import io.edgeauth.simulator.mqtt.LeanMqttClient;
import io.edgeauth.simulator.mqtt.MqttTls;
import io.edgeauth.simulator.onboard.AdminApiOnboarding;
import io.edgeauth.simulator.onboard.BulkImport;
import io.edgeauth.simulator.report.MetricsScraper;
import io.edgeauth.simulator.report.RunRecorder;
import io.edgeauth.simulator.report.RunRecorder.Counter;
import io.edgeauth.simulator.report.RunResult;
import io.edgeauth.simulator.report.Stage;
import io.edgeauth.simulator.report.Verdicts;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one shard of a fleet: starts device sessions on an open-loop schedule (session j is due at
 * {@code j / rate} seconds, whatever happened to earlier ones), at most {@code concurrency} open at
 * once, prints a progress line a second, samples the broker's metrics, and returns the result.
 *
 * <p>Threads are fixed, not per device: this driver thread, a timer, the work pool (key derivation,
 * signatures), the JDK HTTP client's small executor and Netty's event loops. A session that is due but
 * cannot start because concurrency is full waits in no queue: it is a counter ("behind"), and the delay
 * it suffers is recorded as {@code start_lag} and is part of its session latency.
 */
public final class FleetRun {
    static final Duration TICK = Duration.ofSeconds(1);
    static final Duration SCRAPE_EVERY = Duration.ofSeconds(2);
    /** After an interruption: how long open sessions get to disconnect, and the observer to take messages in flight. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(5);
    static final Duration STOP_DRAIN = Duration.ofSeconds(2);
    /** The failure reason that marks a result as interrupted (Ctrl-C, SIGTERM). */
    public static final String INTERRUPTED = Verdicts.INTERRUPTED;

    private final RunSettings settings;
    private final PrintStream out;
    private final RunRecorder recorder = new RunRecorder();

    private final BrokerRestart restart;
    /** The restart's thread once started, its command's process, and whether the run gave up on it. */
    private volatile Thread restartThread;
    private final java.util.concurrent.atomic.AtomicReference<Process> restartProcess = new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicBoolean restartAbandoned = new java.util.concurrent.atomic.AtomicBoolean();
    /** Closes when starting more devices would only repeat one known cause N times (onboarding failed, broker gone). */
    private final StartGate gate;
    /** Set by {@link #stop()} (a shutdown hook's thread); read by the driver. */
    private volatile boolean stopRequested;

    /** Restarts the broker in the restart scenario; blocks until it is done (or started again). */
    @FunctionalInterface
    public interface BrokerRestart {
        void restart() throws Exception;
    }

    public FleetRun(RunSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.restart = settings.restart().command() == null ? null : this::runRestartCommand;
        this.gate = new StartGate(settings.stopAfterUnreachable(), out);
    }

    /** @param restart how the restart scenario restarts the broker, or null when it is restarted from outside */
    public FleetRun(RunSettings settings, PrintStream out, BrokerRestart restart) {
        this.settings = settings;
        this.out = out;
        this.restart = restart;
        this.gate = new StartGate(settings.stopAfterUnreachable(), out);
    }

    /** TLS for the MQTT connections, or null for plain TCP. */
    private MqttTls mqttTls() throws javax.net.ssl.SSLException {
        if (settings.mqttTls().equals("off")) {
            return null;
        }
        boolean mutual = settings.mqttTls().equals("mtls");
        return new MqttTls(settings.mqttCa() == null ? null : settings.mqttCa().toFile(),
                mutual ? settings.fleet().certificateAuthority() : null, mutual ? this::deviceKey : null);
    }

    /** A device's key pair from its id (mutual TLS: the certificate carries it). */
    private java.security.KeyPair deviceKey(String deviceId) {
        long index = Long.parseLong(deviceId.substring(settings.fleet().prefix().length() + 1));
        try {
            return settings.fleet().privateKey(index).toECKey().toKeyPair();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("device key is not an EC key pair", e);
        }
    }

    /** Runs {@code --restart-command} and waits for it; kept in {@link #restartProcess} so the run's end can stop it. */
    private void runRestartCommand() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", settings.restart().command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        restartProcess.set(p);
        int code = p.waitFor();
        if (code != 0) {
            throw new IllegalStateException("--restart-command exited with " + code);
        }
    }

    /**
     * The run's sessions have ended: waits for the restart (at most {@code --restart-window}, 1 s when interrupted),
     * so that its failure is in the verdict; one still running then fails the run as {@code restart:unfinished} and
     * its command is stopped. It ran on a daemon thread nothing joined: a failing command passed, and one that
     * outlived the run was left running (tour AB, AB8).
     */
    private void awaitRestart() {
        Thread t = restartThread;
        if (t == null) {
            return;
        }
        Duration bound = stopRequested ? Duration.ofSeconds(1) : settings.restart().window();
        try {
            t.join(bound.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            restartAbandoned.set(true);
            recorder.failure("restart:unfinished");
            Process p = restartProcess.get();
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
            out.printf(java.util.Locale.ROOT, "broker restart: %s still running after %d s: %s%n",
                    p != null ? "--restart-command" : "the restart", bound.toSeconds(), p != null ? "stopped it" : "gave up on it");
        }
    }

    /**
     * Ends the run early (the process is being interrupted): no new sessions start, holding sessions disconnect,
     * sessions still open after {@link #STOP_GRACE} are counted and left; the result is marked {@link #INTERRUPTED}
     * and {@link #run()} returns it as usual.
     */
    public void stop() {
        stopRequested = true;
    }

    /** Runs to the end and returns the result (the caller writes it). */
    public RunResult run() throws InterruptedException, javax.net.ssl.SSLException {
        ExecutorService work = Executors.newFixedThreadPool(settings.workThreads(), daemon("sim-work"));
        ExecutorService httpPool = Executors.newFixedThreadPool(2, daemon("sim-http"));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("sim-timer"));
        // HTTP/1.1: the default (HTTP/2) sends every request on plain http with an h2c upgrade offer the broker ignores
        HttpClient http = HttpClient.newBuilder().executor(httpPool).connectTimeout(settings.connectTimeout())
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
        try (LeanMqttClient mqtt = new LeanMqttClient(settings.mqtt(), settings.localAddrs(), settings.eventLoops(),
                (int) settings.connectTimeout().toMillis(), mqttTls());
             CoapDevices coap = settings.protocols().anyCoap()
                     ? new CoapDevices(settings.coap(), settings.localAddrs(), settings.eventLoops(),
                             settings.coap().x509() ? settings.fleet().certificateAuthority() : null) : null) {
            AdminApiOnboarding admin = settings.adminCredential() == null ? null
                    : new AdminApiOnboarding(http, settings.brokerUrl(), settings.adminCredential());
            DeliveryObserver observer = null;
            if (settings.observer() != null) {
                boolean restarting = settings.scenario() == Scenario.RESTART;
                // a non-persistent observer comes back within the drain: a broker restarted from outside is back by then
                observer = new DeliveryObserver(mqtt, settings.observer(), settings.shard().index(), settings.mqtt5(), recorder,
                        restarting, restarting ? settings.restart().window() : settings.drain());
                try {
                    observer.start().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException(DeliveryObserver.subscribeFailure(e, settings.observer().issuer()), e);
                }
            }
            if (settings.bulkOnboarding()) {
                bulkImport();
            }
            SessionRunner runner = new SessionRunner(settings, recorder, http, admin, mqtt, coap, work, timer, observer, gate);
            MetricsScraper scraper = settings.scrapeMetrics() ? new MetricsScraper(http, settings.brokerUrl()) : null;
            RunResult result = drive(runner, observer, scraper);
            if (observer != null) {
                observer.close();
            }
            return result;
        } finally {
            timer.shutdownNow();
            work.shutdownNow();
            httpPool.shutdownNow();
        }
    }

    private RunResult drive(SessionRunner runner, DeliveryObserver observer, MetricsScraper scraper) {
        long planned = settings.shardDevices();
        long first = settings.firstDevice();
        double rate = settings.scenario() == Scenario.STORM ? Double.POSITIVE_INFINITY : settings.shardArrivalRate();
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        long deadline = start + settings.maxDuration().toNanos();
        AtomicLong finished = new AtomicLong();
        long next = 0;
        long nextTick = start + TICK.toNanos();
        long nextScrape = start;
        boolean waveDone = settings.scenario() != Scenario.REVOCATION;
        boolean restartDone = settings.scenario() != Scenario.RESTART;
        long stoppedAt = 0;
        out.printf(java.util.Locale.ROOT, "simulating devices %d..%d of %d (shard %s), scenario %s, %s, concurrency %d, %d QoS 1 messages each%n",
                first, first + planned - 1, settings.devices(), settings.shard(), settings.scenario().label(),
                Double.isInfinite(rate) ? "all at once" : String.format(java.util.Locale.ROOT, "%.1f sessions/s", rate),
                settings.concurrency(), settings.messagesPerSession());
        while (finished.get() < planned) {
            long now = System.nanoTime();
            if (stopRequested && stoppedAt == 0) {
                stoppedAt = now;
                out.printf(java.util.Locale.ROOT, "interrupted: starting no more sessions; closing %d open ones (waiting at most %d s)%n",
                        recorder.active(), STOP_GRACE.toSeconds());
                runner.endHolds();
            }
            if (stoppedAt != 0 && (recorder.active() == 0 || now - stoppedAt >= STOP_GRACE.toNanos())) {
                for (long i = recorder.active(); i > 0; i--) {
                    recorder.failure("interrupted:sessions_open_at_stop");
                }
                break;
            }
            if (gate.isClosed() && recorder.active() == 0) {
                break;
            }
            if (next < planned && now < deadline && stoppedAt == 0 && !gate.isClosed()) {
                long due = Double.isInfinite(rate) ? planned : Math.min(planned, (long) ((now - start) / 1e9 * rate) + 1);
                while (next < due && recorder.active() < settings.concurrency()) {
                    long dueAt = Double.isInfinite(rate) ? start : start + (long) (next / rate * 1e9);
                    recorder.latency(Stage.START_LAG, now - dueAt);
                    recorder.sessionOpened();
                    recorder.count(Counter.SESSIONS);
                    recorder.count(Counter.DEVICES);
                    runner.run(first + next, dueAt).whenComplete((outcome, e) -> {
                        gate.sessionEnded(outcome);
                        recorder.sessionClosed();
                        finished.incrementAndGet();
                    });
                    next++;
                }
            }
            // the wave comes at --revoke-at, or later once --revoke-count sessions hold (a slow start must not
            // leave it too few targets), at the latest --hold after --revoke-at
            if (!waveDone && now - start >= settings.revokeAt().toNanos() && (runner.holding.size() >= settings.revokeCount()
                    || now - start >= settings.revokeAt().plus(settings.hold()).toNanos())) {
                revocationWave(runner);
                waveDone = true;
            }
            // the restart comes at --restart-at once every session has started and every open one holds (at the latest
            // --hold after --restart-at)
            if (!restartDone && now - start >= settings.restart().at().toNanos()
                    && ((next >= planned || now >= deadline) && runner.holding.size() >= recorder.active()
                    || now - start >= settings.restart().at().plus(settings.hold()).toNanos())) {
                restartBroker();
                restartDone = true;
            }
            if (scraper != null && now >= nextScrape) {
                scraper.scrape((now - start) / 1e9);
                nextScrape += SCRAPE_EVERY.toNanos();
            }
            if (now >= nextTick) {
                long due = Double.isInfinite(rate) ? planned : Math.min(planned, (long) ((now - start) / 1e9 * rate) + 1);
                tick((nextTick - start) / TICK.toNanos(), Math.max(0, due - next), finished.get(), planned);
                nextTick += TICK.toNanos();
            }
            if (now >= deadline && recorder.active() == 0) {
                break;
            }
            if (now >= deadline + settings.drain().toNanos()) {
                // expired chaos devices waiting out their token have an outcome of their own
                for (long open = recorder.active() - runner.endExpiredWaits(); open > 0; open--) { // one each, not one for all
                    recorder.failure("unfinished:sessions_open_at_end");
                }
                break;
            }
            LockSupport.parkNanos(Math.min(1_000_000, nextTick - System.nanoTime()));
        }
        long unstarted = planned - next;
        if (gate.isClosed()) {
            for (; unstarted > 0; unstarted--) {
                recorder.failure(gate.unstartedReason());
            }
        }
        if (stoppedAt != 0) {
            recorder.failure(INTERRUPTED);
            for (; unstarted > 0; unstarted--) { // not the max-duration's doing
                recorder.failure("unfinished:not_started_before_interrupt");
            }
        }
        Duration drain = stoppedAt != 0 && STOP_DRAIN.compareTo(settings.drain()) < 0 ? STOP_DRAIN : settings.drain();
        long drainEnd = System.nanoTime() + drain.toNanos();
        while (observer != null && observer.outstanding() > 0 && System.nanoTime() < drainEnd
                && (stoppedAt != 0 || !stopRequested) && !observer.gaveUp()) { // gave up: nothing more will come
            LockSupport.parkNanos(20_000_000);
            if (System.nanoTime() >= nextTick) { // the series goes on second by second while deliveries arrive
                tick((nextTick - start) / TICK.toNanos(), 0, finished.get(), planned);
                nextTick += TICK.toNanos();
            }
        }
        awaitRestart();
        long elapsed = System.nanoTime() - start;
        tick((elapsed + TICK.toNanos() - 1) / TICK.toNanos(), 0, finished.get(), planned);
        if (scraper != null) {
            scraper.scrape(elapsed / 1e9);
            LockSupport.parkNanos(300_000_000); // let the last scrape land
        }
        if (stopRequested && stoppedAt == 0) { // interrupted during the drain: the sessions had all ended
            recorder.failure(INTERRUPTED);
        }
        if (settings.scenario() == Scenario.RESTART && recorder.get(Counter.RESTART_DROPPED) == 0 && !stopRequested) {
            recorder.failure("restart:no_session_lost_its_broker");
        }
        long lost = observer == null ? 0 : observer.outstanding();
        long whileAway = observer == null ? 0 : observer.outstandingWhileAway();
        for (long i = 0; i < whileAway; i++) { // not the broker's loss, maybe: nobody was subscribed to receive them
            recorder.failure("lost:observer_not_subscribed");
        }
        lost -= whileAway;
        RunResult result = Verdicts.result(settings.parameters(), List.of(settings.shard().toString()), startedAt, elapsed / 1e9,
                recorder, observer != null, planned, unstarted, lost, scraper == null ? List.of() : scraper.samples());
        out.println(Verdicts.summaryLine(result));
        return result;
    }

    /** Registers this shard's devices in one streamed bulk import; refusals are failures of the run. */
    private void bulkImport() throws InterruptedException {
        long start = System.nanoTime();
        try {
            BulkImport.Summary s = BulkImport.importRange(settings.brokerUrl(), settings.adminCredential(), settings.fleet(),
                    settings.firstDevice(), settings.shardDevices(), settings.tenant(), line -> { }, settings.importIdleTimeout());
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(java.util.Locale.ROOT, "bulk import: %d devices in %.1f s (%.0f/s): created=%d updated=%d unchanged=%d refused=%d %s%n",
                    settings.shardDevices(), seconds, settings.shardDevices() / Math.max(seconds, 1e-9), s.created(), s.updated(),
                    s.unchanged(), s.refused(), s.firstErrors().isEmpty() ? "" : s.firstErrors());
            for (long i = 0; i < s.refused(); i++) {
                recorder.failure("register:bulk_refused");
            }
        } catch (java.io.IOException e) {
            // every device would then fail its token request (unknown device): minutes of load burying the one cause
            recorder.failure("register:bulk_failed");
            gate.onboardingFailed("bulk import failed: " + e.getMessage());
        }
    }

    private void tick(long t, long behind, long finished, long planned) {
        RunResult.SecondPoint p = recorder.tick(t, behind);
        out.println(recorder.progressLine(p, finished, planned));
    }

    /** Restarts the broker on a thread of its own (the driver keeps its schedule and its progress lines). */
    private void restartBroker() {
        if (restart == null) {
            out.println("broker restart: expected from outside now");
            return;
        }
        out.println("broker restart: restarting the broker");
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                restart.restart();
                out.printf(java.util.Locale.ROOT, "broker restart: done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            } catch (Exception e) {
                if (!restartAbandoned.get()) { // else the run stopped it and said so
                    out.println("broker restart failed: " + e.getMessage());
                    recorder.failure("restart:failed");
                }
            }
        }, "sim-restart");
        t.setDaemon(true);
        restartThread = t;
        t.start();
    }

    /** Revokes up to {@code --revoke-count} holding sessions' subjects at once. */
    private void revocationWave(SessionRunner runner) {
        List<Long> targets = new ArrayList<>(runner.holding);
        int n = Math.min(settings.revokeCount(), targets.size());
        out.printf("revocation wave: revoking %d live devices%n", n);
        if (n < settings.revokeCount()) {
            recorder.failure("revocation:too_few_live_sessions");
        }
        for (int i = 0; i < n; i++) {
            long index = targets.get(i);
            runner.revoked.put(index, System.nanoTime());
            runner.admin().revokeSubject(settings.fleet().deviceId(index), "simulator revocation wave").whenComplete((v, e) -> {
                if (e != null) {
                    runner.revoked.remove(index);
                    recorder.failure(StageFailure.of("revoke", e).outcome());
                }
            });
        }
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
