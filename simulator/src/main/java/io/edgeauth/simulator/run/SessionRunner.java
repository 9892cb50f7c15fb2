package io.edgeauth.simulator.run;

import io.edgeauth.device.AccessToken;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.internal.BusyRetry;
import io.edgeauth.simulator.coap.CoapDevices;
import io.edgeauth.simulator.fleet.SignatureProviders;
import io.edgeauth.simulator.mqtt.LeanMqttClient;
import io.edgeauth.simulator.mqtt.MqttRefusedException;
import io.edgeauth.simulator.mqtt.MqttSession;
import io.edgeauth.simulator.onboard.AdminApiOnboarding;
import io.edgeauth.simulator.onboard.Onboarding;
import io.edgeauth.simulator.report.RunRecorder;
import io.edgeauth.simulator.report.RunRecorder.Counter;
import io.edgeauth.simulator.report.Stage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One device session as a chain of asynchronous steps (a state machine whose state is the position in
 * the chain): derive the identity, onboard, get a token, CONNECT, publish, hold (renewing), DISCONNECT.
 * Nothing blocks; CPU work (key derivation, signatures) runs on the work executor, I/O completes on the
 * HTTP client's and Netty's threads. Chaos devices take their own chain ({@link ChaosSessions}) and end
 * refused. Thread-safe: one instance serves every session of a run.
 */
final class SessionRunner {
    /** Retries of a shed CONNECT: with the SDK's backoff (0.5 s doubling, +-50 %) about 30 s in all at most. */
    static final int CONNECT_BUSY_RETRIES = 6;
    private final RunSettings settings;
    private final RunRecorder recorder;
    private final HttpClient http;
    private final Onboarding onboarding;
    private final AdminApiOnboarding admin;
    private final LeanMqttClient mqtt;
    private final Executor work;
    private final ScheduledExecutorService timer;
    private final DeliveryObserver observer;
    private final long runTag;
    /** The broker's token endpoint URL, also the assertions' audience. */
    private final URI tokenEndpoint;
    private final ChaosSessions chaos;
    private final RestartRecovery restart;
    /** Hears how each wait for the broker ended (its silent rule). */
    private final StartGate gate;
    /** CoAP devices' chains, or null when the fleet speaks only MQTT. */
    private final CoapSessionRunner coap;
    /** Honest sessions (MQTT, or CoAP with an Observe) that are holding: the revocation wave picks from here. */
    final java.util.Set<Long> holding = ConcurrentHashMap.newKeySet();
    /** Ends each holding session early (once): an interrupted run closes its open sessions instead of dropping them. */
    private final java.util.Set<Runnable> holdEnders = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    /** Devices the revocation wave revoked, with when the admin API answered (nanoTime). */
    final ConcurrentHashMap<Long, Long> revoked = new ConcurrentHashMap<>();
    /** Zero-touch onboarding: the fleet CA that certifies each device's key (built once: its key is derived). */
    private final io.edgeauth.simulator.fleet.FleetCa fleetCa;
    /** Group onboarding: the group secret (the fleet's PSK master) each device's key is derived from. */
    private final byte[] groupSecret;

    SessionRunner(RunSettings settings, RunRecorder recorder, HttpClient http, AdminApiOnboarding admin, LeanMqttClient mqtt,
            CoapDevices coapDevices, Executor work, ScheduledExecutorService timer, DeliveryObserver observer, StartGate gate) {
        this.settings = settings;
        this.gate = gate;
        this.recorder = recorder;
        this.http = http;
        this.admin = admin;
        this.onboarding = settings.onboardWithAdminApi() ? admin : Onboarding.NONE;
        this.fleetCa = settings.zeroTouch() ? settings.fleet().certificateAuthority() : null;
        this.groupSecret = settings.enrollmentGroup() != null ? settings.fleet().pskMaster() : null;
        this.mqtt = mqtt;
        this.work = work;
        this.timer = timer;
        this.observer = observer;
        this.runTag = observer != null ? observer.runTag() : DeliveryObserver.newRunTag();
        String base = settings.brokerUrl().toString();
        this.tokenEndpoint = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + TokenClient.TOKEN_PATH);
        this.chaos = new ChaosSessions(this);
        this.restart = new RestartRecovery(this);
        this.coap = coapDevices == null ? null : new CoapSessionRunner(this, coapDevices);
    }

    /** The run ends: expired chaos devices still waiting out their token are counted so; returns how many (open sessions). */
    long endExpiredWaits() {
        return chaos.endWaits();
    }

    RestartRecovery restart() {
        return restart;
    }

    /** The CoAP chains (null when no device speaks CoAP). */
    CoapSessionRunner coap() {
        return coap;
    }

    /** The tag of this run's telemetry (the observer's, or a fresh one that other runs' observers tell apart). */
    long runTag() {
        return runTag;
    }

    DeliveryObserver observer() {
        return observer;
    }

    RunSettings settings() {
        return settings;
    }

    RunRecorder recorder() {
        return recorder;
    }

    AdminApiOnboarding admin() {
        return admin;
    }

    HttpClient http() {
        return http;
    }

    /**
     * Runs device {@code index}'s session, due at {@code dueNanos}; completes with how it ended ({@code stage:reason},
     * recorded already; a chaos device's expected refusal too), or null when it completed. Never completes exceptionally.
     */
    CompletableFuture<String> run(long index, long dueNanos) {
        ChaosKind kind = settings.chaos().kindOf(index);
        boolean onCoap = settings.protocols().protocolOf(index) == ProtocolMix.Protocol.COAP;
        CompletableFuture<String> done = kind != null ? chaos.run(kind, index, onCoap)
                : onCoap ? coap.honest(index, dueNanos) : honest(index, dueNanos);
        return done.exceptionally(e -> {
            String outcome = "internal:" + StageFailure.unwrap(e).getClass().getSimpleName();
            recorder.failure(outcome);
            return outcome;
        });
    }

    private CompletableFuture<String> honest(long index, long dueNanos) {
        return CompletableFuture.supplyAsync(() -> settings.fleet().identity(index), work)
                .thenCompose(id -> onboardAndToken(id, settings.tenant())
                        .thenCompose(token -> connect(id.deviceId(), token)
                                .thenCompose(session -> {
                                    recorder.count(Counter.HONEST_ACCEPTED);
                                    return publishAll(index, id.deviceId(), session, 0, settings.messagesPerSession())
                                            .thenCompose(v -> hold(index, id, session, token))
                                            .whenComplete((v, e) -> holding.remove(index))
                                            .thenCompose(v -> session.disconnect());
                                })))
                .handle((v, e) -> {
                    if (e == null) {
                        recorder.count(Counter.HONEST_COMPLETED);
                        recorder.latency(Stage.SESSION, System.nanoTime() - dueNanos);
                        return null;
                    }
                    StageFailure f = StageFailure.of("session", e);
                    if (!f.outcome().equals(REVOKED_BY_WAVE)) {
                        recorder.failure(f.outcome(), settings.fleet().deviceId(index), StageFailure.detailOf(f));
                    }
                    return f.outcome();
                });
    }

    /** Onboards {@code id} into {@code tenant} and gets its first token. */
    CompletableFuture<AccessToken> onboardAndToken(DeviceIdentity id, String tenant) {
        return onboardAndTokenWith(onboarding, id, tenant);
    }

    /** Registers {@code id} in {@code tenant} through the admin API (whatever the onboarding) and gets a token. */
    CompletableFuture<AccessToken> onboardAndTokenIn(DeviceIdentity id, String tenant) {
        return onboardAndTokenWith(admin, id, tenant);
    }

    private CompletableFuture<AccessToken> onboardAndTokenWith(Onboarding onboarding, DeviceIdentity id, String tenant) {
        return onboardWith(onboarding, id, tenant).thenCompose(v -> token(id));
    }

    /** Onboards {@code id} into {@code tenant} by the run's onboarding route (no token). */
    CompletableFuture<Void> onboard(DeviceIdentity id, String tenant) {
        return onboardWith(onboarding, id, tenant);
    }

    private CompletableFuture<Void> onboardWith(Onboarding onboarding, DeviceIdentity id, String tenant) {
        return onboarding == Onboarding.NONE ? CompletableFuture.completedFuture(null)
                : timed(Stage.REGISTER, "register", () -> onboarding.onboard(id, tenant));
    }

    CompletableFuture<AccessToken> token(DeviceIdentity id) {
        return token(id, List.of());
    }

    /**
     * A token for {@code id}; {@code region}: the GeoHash cells it is registered in, which an outside issuer signs into
     * the token as {@code geo} (the broker's token endpoint takes them from the registry record).
     */
    CompletableFuture<AccessToken> token(DeviceIdentity id, List<String> region) {
        if (settings.tokenIssuer() != null) { // a trusted outside issuer (the fleet's backend) signs it here
            return timed(Stage.TOKEN, "token", () -> CompletableFuture.supplyAsync(() -> {
                java.time.Instant now = java.time.Instant.now();
                String jwt = settings.tokenIssuer().deviceToken(id.deviceId(), now, settings.issuerTokenLifetime(), region);
                return new AccessToken(jwt, io.edgeauth.device.TokenFormat.JWT, "Bearer", null, now,
                        now.plus(settings.issuerTokenLifetime()));
            }, work));
        }
        TokenClient client = TokenClient.builder().tokenEndpoint(tokenEndpoint).assertions(assertions(id))
                .tokenFormat(settings.tokenFormat()).httpClient(http).build();
        return CompletableFuture.supplyAsync(() -> timed(Stage.TOKEN, "token", client::fetch), work).thenCompose(f -> f);
    }

    /** Client assertions of {@code id} for the broker's token endpoint, signed on the fleet's signature provider. */
    ClientAssertions assertions(DeviceIdentity id) {
        if (groupSecret != null) { // HS256 under the key the device's factory derived from the group secret
            return ClientAssertions.groupBuilder(id.deviceId(), settings.enrollmentGroup(),
                    io.edgeauth.simulator.fleet.FleetIdentities.psk(groupSecret, id.deviceId()))
                    .audience(tokenEndpoint.toString()).build();
        }
        ClientAssertions.Builder b = ClientAssertions.builder(id).audience(tokenEndpoint.toString())
                .signatureProvider(SignatureProviders.signing());
        if (fleetCa != null) { // zero-touch: the broker registers the device from its certificate on first use
            try {
                b.certificateChain(List.of(fleetCa.deviceCertificate(id.deviceId(),
                        id.publicJwk().toECKey().toECPublicKey())));
            } catch (com.nimbusds.jose.JOSEException e) {
                throw new IllegalStateException("zero-touch needs a P-256 device key", e);
            }
        }
        return b.build();
    }

    /** CONNECT with {@code token}; the future fails with {@code connect:<reason>} when refused. */
    CompletableFuture<MqttSession> connect(String deviceId, AccessToken token) {
        return connect(deviceId, token.value().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * As a device on the SDK would: a CONNECT the broker sheds (MQTT 5 0x89 Server busy or 0x97 Quota exceeded,
     * 3.1.1 0x03 Server unavailable) is tried again after the SDK's jittered backoff, up to
     * {@link #CONNECT_BUSY_RETRIES} times; the CONNECT latency spans every attempt and wait.
     */
    CompletableFuture<MqttSession> connect(String deviceId, byte[] password) {
        boolean renew = settings.scenario() == Scenario.RENEWAL;
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        return timed(Stage.CONNECT, "connect", () -> BusyRetry.run(() -> {
            if (attempts.getAndIncrement() > 0) {
                recorder.count(Counter.BUSY_RETRIES);
            }
            return mqtt.connect(deviceId, deviceId, password, settings.mqtt5(), renew ? 30 : 0,
                    renew && settings.mqtt5()).connected();
        }, this::busyHint, CONNECT_BUSY_RETRIES));
    }

    /** 0 (no hint: the SDK's exponential backoff) for a retryable CONNECT refusal, else {@link BusyRetry#NOT_BUSY}. */
    private long busyHint(Throwable error) {
        if (error instanceof MqttRefusedException r) {
            boolean busy = settings.mqtt5() ? r.code() == 0x89 || r.code() == 0x97 : r.code() == 0x03;
            return busy ? 0 : BusyRetry.NOT_BUSY;
        }
        return BusyRetry.NOT_BUSY;
    }

    /** Publishes {@code k} QoS 1 messages with sequence numbers from {@code firstSeq}; completes when all are acknowledged. */
    CompletableFuture<Void> publishAll(long index, String deviceId, MqttSession session, int firstSeq, int k) {
        String topic = DeliveryObserver.topic(deviceId, settings.shard().index());
        List<CompletableFuture<Integer>> acks = new ArrayList<>(k);
        for (int seq = firstSeq; seq < firstSeq + k; seq++) {
            long key = DeliveryObserver.key(index, seq);
            long sent = System.nanoTime();
            ByteBuf payload = Unpooled.buffer(settings.payloadBytes()).writeLong(sent).writeLong(DeliveryObserver.indexWord(runTag, index)).writeInt(seq)
                    .writeZero(settings.payloadBytes() - RunRecorder.PAYLOAD_HEADER);
            if (observer != null) {
                observer.expect(key, sent);
            }
            // counted once handed to the connection: one the session refuses itself (over the broker's Maximum
            // Packet Size, not connected) never left the device and is counted under its failure only
            acks.add(session.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, () -> recorder.count(Counter.PUBLISHED)).handle((code, e) -> {
                if (e == null && code == 0) {
                    recorder.count(Counter.ACKED);
                    recorder.latency(Stage.PUBLISH, System.nanoTime() - sent);
                    return 0;
                }
                if (observer != null) {
                    observer.forget(key);
                }
                throw e != null ? StageFailure.of("publish", e) : new StageFailure("publish:puback_0x" + Integer.toHexString(code));
            }));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    static final String REVOKED_BY_WAVE = "revoked_by_wave";

    /** Stays connected for {@code --hold}, renewing the token on the renewal scenario; notices drops. */
    private CompletableFuture<Void> hold(long index, DeviceIdentity id, MqttSession session, AccessToken token) {
        Duration hold = settings.hold();
        if (hold.isZero()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> end = new CompletableFuture<>();
        if (!registerHold(end, () -> end.complete(null))) {
            return end;
        }
        java.util.concurrent.atomic.AtomicBoolean recovering = new java.util.concurrent.atomic.AtomicBoolean();
        holding.add(index);
        session.closed().thenAccept(reason -> {
            Long revokedAt = revoked.get(index);
            if (revokedAt == null && settings.scenario() == Scenario.RESTART && !end.isDone()) {
                recovering.set(true); // the session ends once it is back (or not) instead of at the end of the hold
                restart.mqtt(index, id, token).whenComplete((v, e) -> {
                    if (e == null) {
                        end.complete(null);
                    } else {
                        end.completeExceptionally(e);
                    }
                });
            } else if (revokedAt != null) {
                recorder.latency(Stage.REVOCATION_DROP, System.nanoTime() - revokedAt);
                recorder.count(Counter.REVOKED_LIVE);
                end.completeExceptionally(new StageFailure(REVOKED_BY_WAVE));
            } else {
                end.completeExceptionally(new StageFailure("dropped:" + (reason == null ? "connection_closed"
                        : reason.reasonString() != null ? reason.reasonString() : "code" + reason.code())));
            }
        });
        timer.schedule(() -> {
            if (revoked.containsKey(index)) {
                end.completeExceptionally(new StageFailure("revocation:not_dropped"));
            } else if (!recovering.get()) {
                end.complete(null);
            }
        }, hold.toNanos(), TimeUnit.NANOSECONDS);
        if (settings.scenario() == Scenario.RENEWAL) {
            scheduleRenewal(id, session, end);
        }
        return end;
    }

    private void scheduleRenewal(DeviceIdentity id, MqttSession session, CompletableFuture<Void> end) {
        timer.schedule(() -> {
            if (end.isDone()) {
                return;
            }
            token(id).thenCompose(t -> timed(Stage.RENEWAL, "renewal", () -> session.renew(t.bytes())))
                    .whenComplete((code, e) -> {
                        if (e != null || code != 0) {
                            end.completeExceptionally(e != null ? StageFailure.of("renewal", e)
                                    : new StageFailure("renewal:0x" + Integer.toHexString(code)));
                        } else {
                            recorder.count(Counter.RENEWALS);
                            scheduleRenewal(id, session, end);
                        }
                    });
        }, settings.renewEvery().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code step}, records its latency on success, and names its failure {@code stage:reason}. */
    <T> CompletableFuture<T> timed(Stage stage, String name, Supplier<CompletableFuture<T>> step) {
        long start = System.nanoTime();
        CompletableFuture<T> f;
        try {
            f = step.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(StageFailure.of(name, e));
        }
        return f.handle((v, e) -> {
            if (e != null) {
                StageFailure failure = StageFailure.of(name, e);
                gate.stepEnded(name, start, failure.outcome());
                throw failure;
            }
            gate.stepEnded(name, start, null);
            recorder.latency(stage, System.nanoTime() - start);
            return v;
        });
    }

    StartGate gate() {
        return gate;
    }

    /** The run was interrupted: every hold ends now (its session disconnects cleanly) and later ones do not start. */
    void endHolds() {
        stopping = true;
        holdEnders.forEach(Runnable::run);
    }

    /**
     * Lets {@link #endHolds()} end a hold with {@code ender}; false when the run is stopping already (the session
     * skips its hold). The ender is forgotten when {@code end} completes.
     */
    boolean registerHold(CompletableFuture<?> end, Runnable ender) {
        holdEnders.add(ender);
        end.whenComplete((v, e) -> holdEnders.remove(ender));
        if (stopping) { // endHolds may have run before the add: end it here
            ender.run();
            return false;
        }
        return true;
    }

    /** Completes after {@code delay}, on the run's timer. */
    CompletableFuture<Void> after(Duration delay) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        timer.schedule(() -> f.complete(null), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return f;
    }

    Executor work() {
        return work;
    }
}
