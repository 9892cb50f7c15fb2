package io.edgeauth.simulator.run;

import io.edgeauth.simulator.fleet.ObserverIssuer;
import io.edgeauth.simulator.mqtt.LeanMqttClient;
import io.edgeauth.simulator.mqtt.MqttRefusedException;
import io.edgeauth.simulator.mqtt.MqttSession;
import io.edgeauth.simulator.report.RunRecorder;
import io.edgeauth.simulator.report.Stage;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The subscriber that proves delivery: one MQTT session (QoS 1) on this shard's telemetry topic
 * {@code d/+/up/sim/<shard>}, authenticated by an {@link ObserverIssuer} token (which also lets it publish
 * commands to the shard's devices, {@code d/+/down/sim/<shard>}). Every message a device
 * publishes is registered here before it is sent; receiving it records the end-to-end latency, and
 * whatever the broker acknowledged but never delivered is lost. Tracks only messages in flight, so its
 * memory does not grow with the fleet. Thread-safe.
 */
final class DeliveryObserver implements AutoCloseable {
    /** The observer's token lifetime in a run; it is renewed on its session after 70 % of it. */
    static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);
    /** How long the broker keeps a persistent observer's session while it is away. */
    private static final int PERSISTENT_EXPIRY_SECONDS = 300;

    private final LeanMqttClient mqtt;
    private final ObserverIssuer issuer;
    private final String filter;
    /** Commands go to this shard's devices below {@code d/<id>/down/sim/<shard>} (granted by the token). */
    private final String commandFilter;
    private final boolean mqtt5;
    private final RunRecorder recorder;
    private final ConcurrentHashMap<Long, Long> pending = new ConcurrentHashMap<>();
    private volatile MqttSession session;
    private volatile boolean closing;
    /** Sessions started so far; a closed session that is not the latest is not reconnected. Guarded by this. */
    private int generation;
    private final boolean persistent;
    private final Duration reconnectWindow;
    /** Non-persistent reconnects: the first retry's delay, doubled after each failure up to the cap. */
    static final Duration FIRST_RETRY = Duration.ofMillis(250);
    static final Duration MAX_RETRY = Duration.ofSeconds(4);
    /** Times (nanoTime) from a drop to the next granted subscription; an open one ends at Long.MAX_VALUE. Guarded by itself. */
    private final java.util.List<long[]> away = new java.util.ArrayList<>();
    /** The observer failed to come back within its window: nothing more will be delivered. */
    private volatile boolean gaveUp;
    /** This run's tag in every telemetry message (see {@link #indexWord}): other runs' messages are not this run's. */
    private final long runTag = newRunTag();
    private final Duration tokenLifetime;

    /**
     * @param persistent      keep one persistent session (it outlives a broker restart, so no acknowledged message is
     *                        lost while the observer reconnects) and reconnect for up to {@code reconnectWindow}
     */
    DeliveryObserver(LeanMqttClient mqtt, ObserverIssuer issuer, int shard, boolean mqtt5, RunRecorder recorder,
            boolean persistent, Duration reconnectWindow) {
        this(mqtt, issuer, shard, mqtt5, recorder, persistent, reconnectWindow, TOKEN_LIFETIME);
    }

    /** As above, with the lifetime of the observer's tokens (tests renew within seconds). */
    DeliveryObserver(LeanMqttClient mqtt, ObserverIssuer issuer, int shard, boolean mqtt5, RunRecorder recorder,
            boolean persistent, Duration reconnectWindow, Duration tokenLifetime) {
        this.tokenLifetime = tokenLifetime;
        this.persistent = persistent;
        this.reconnectWindow = reconnectWindow;
        this.mqtt = mqtt;
        this.issuer = issuer;
        this.filter = "d/+/up/sim/" + shard;
        this.commandFilter = "d/+/down/sim/" + shard;
        this.mqtt5 = mqtt5;
        this.recorder = recorder;
    }

    /** Bits of a message's index word that hold the device index; the bits above hold the run's tag. */
    static final int INDEX_BITS = 40;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    /**
     * A random tag for one run. Two runs against one broker publish to the same topics (the filter names only the
     * shard), so without it an observer counted the other run's messages as duplicates, or, where its (index,
     * sequence) was pending here, as a delivery of its own (tour AB, AB9). 23 bits: the index word stays positive.
     */
    static long newRunTag() {
        return java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 1L << (63 - INDEX_BITS));
    }

    /** The payload's second word: the run's tag above {@link #INDEX_BITS} bits of the device index. */
    static long indexWord(long runTag, long index) {
        return runTag << INDEX_BITS | index & INDEX_MASK;
    }

    long runTag() {
        return runTag;
    }

    /** The topic device {@code id} publishes to. */
    static String topic(String deviceId, int shard) {
        return "d/" + deviceId + "/up/sim/" + shard;
    }

    /** Connects and subscribes; completes once the subscription is granted. */
    CompletableFuture<Void> start() {
        int gen;
        synchronized (this) {
            gen = ++generation;
        }
        String token = token();
        // a wallet's client id is its own: <DID>#<suffix> (the broker refuses any other); a persistent observer keeps
        // one id, so its session (subscription, QoS 1 messages owed) outlives a broker restart
        // the run's tag too: two runs in one process (or on two hosts with one pid) took over each other's session
        String clientId = issuer.subject() + "#sim-observer-" + (persistent ? "p" : Integer.toString(gen)) + "-"
                + ProcessHandle.current().pid() + "-" + Long.toHexString(runTag);
        // MQTT 5: name the token method in CONNECT, so the token can be renewed on the session by AUTH
        MqttSession s = mqtt.connect(clientId, issuer.subject(), token.getBytes(StandardCharsets.US_ASCII), mqtt5, 60, mqtt5,
                persistent ? PERSISTENT_EXPIRY_SECONDS : 0);
        s.onMessage(m -> delivered(m.payload()));
        return s.connected()
                .thenCompose(c -> c.subscribe(filter, MqttQoS.AT_LEAST_ONCE))
                .thenAccept(code -> {
                    if (code >= 0x80) {
                        s.abort();
                        throw new IllegalStateException("the broker refused the observer's subscription to " + filter
                                + " (0x" + Integer.toHexString(code) + "): is the observer issuer trusted (see 'jwks')?");
                    }
                    MqttSession old = session;
                    session = s;
                    back();
                    if (old != null && old != s) {
                        old.disconnect();
                    }
                    s.closed().thenAccept(reason -> dropped(s, gen, reason));
                    scheduleRenewal(s);
                });
    }

    private String token() {
        return issuer.scopedToken("sub:" + filter + " pub:" + commandFilter, tokenLifetime);
    }

    private void scheduleRenewal(MqttSession s) {
        // 70 %: a JWT's exp is in whole seconds (up to 1 s earlier than asked), and a loaded machine runs timers late
        CompletableFuture.delayedExecutor(tokenLifetime.toMillis() * 7 / 10, TimeUnit.MILLISECONDS).execute(() -> {
            if (!closing && session == s) {
                renewNow().exceptionally(e -> {
                    recorder.failure("observer:renew");
                    return null;
                });
            }
        });
    }

    /**
     * Renews the observer's token on its live session (MQTT 5 AUTH, 3.1.1 {@code $auth/renew}), as the timer does
     * after 70 % of its lifetime. Never a second session: a new session would subscribe only from the moment it is
     * granted, and whatever the broker still owed the old one (a backlog behind a slow observer) would end with it.
     * Fails when the broker refuses the token; the session then ends at the old token's expiry and the observer
     * connects again (the messages meanwhile are lost, and said so).
     */
    CompletableFuture<Void> renewNow() {
        MqttSession s = session;
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no observer session"));
        }
        return s.renew(token().getBytes(StandardCharsets.US_ASCII)).thenAccept(code -> {
            if (code != 0) {
                throw new IllegalStateException("the broker refused the observer's renewed token (0x"
                        + Integer.toHexString(code) + ")");
            }
            scheduleRenewal(s);
        });
    }

    /** The observer's session {@code s} closed: unless a newer one replaced it, connect again. */
    private void dropped(MqttSession s, int gen, MqttRefusedException reason) {
        synchronized (this) {
            if (closing || gen != generation) {
                return;
            }
        }
        if (!persistent) {
            // what the broker delivers while no observer is subscribed is lost to it: count it apart (the time away
            // starts before the drop is told, so that nothing sent after the report falls outside it), and say why
            synchronized (away) {
                away.add(new long[] {System.nanoTime(), Long.MAX_VALUE});
            }
            recorder.failure("observer:dropped:" + (reason == null ? "connection_closed"
                    : reason.reasonString() != null ? reason.reasonString() : "code" + reason.code()));
            // a restarting broker is not back at once: one immediate try gave up for the rest of the run (tour AB, AB21)
            retry(System.nanoTime() + reconnectWindow.toNanos(), FIRST_RETRY.toMillis());
            return;
        }
        recorder.count(RunRecorder.Counter.OBSERVER_RECONNECTS);
        reconnect(System.nanoTime() + reconnectWindow.toNanos());
    }

    /** A non-persistent observer tries again after {@code delayMillis}, doubling up to {@link #MAX_RETRY}, until {@code deadline}. */
    private void retry(long deadline, long delayMillis) {
        start().exceptionally(e -> {
            if (System.nanoTime() + delayMillis * 1_000_000 > deadline) {
                gaveUp = true;
                recorder.failure("observer:reconnect_failed");
            } else if (!closing) {
                CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS)
                        .execute(() -> retry(deadline, Math.min(delayMillis * 2, MAX_RETRY.toMillis())));
            }
            return null;
        });
    }

    /** A subscription was granted: an open time away ends. */
    private void back() {
        long now = System.nanoTime();
        synchronized (away) {
            for (long[] a : away) {
                if (a[1] == Long.MAX_VALUE) {
                    a[1] = now;
                }
            }
        }
    }

    /** True while a subscription is granted and no drop since is open. */
    boolean subscribed() {
        synchronized (away) {
            return session != null && away.stream().noneMatch(a -> a[1] == Long.MAX_VALUE);
        }
    }

    /** True once the observer failed to come back: waiting for deliveries is pointless. */
    boolean gaveUp() {
        return gaveUp;
    }

    /**
     * Of the messages still outstanding, those sent while no observer was subscribed (after a drop, before the next
     * subscription): lost to the observer, not necessarily by the broker.
     */
    long outstandingWhileAway() {
        java.util.List<long[]> spans;
        synchronized (away) {
            spans = java.util.List.copyOf(away);
        }
        if (spans.isEmpty()) {
            return 0;
        }
        return pending.values().stream().filter(sent -> spans.stream().anyMatch(a -> sent >= a[0] && sent < a[1])).count();
    }

    /** A persistent observer tries again every second until its window ends (the broker may be restarting). */
    private void reconnect(long deadline) {
        start().exceptionally(e -> {
            if (System.nanoTime() > deadline) {
                recorder.failure("observer:not_back");
            } else if (!closing) {
                CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> reconnect(deadline));
            }
            return null;
        });
    }

    /**
     * Why the observer could not subscribe, with what to do where the broker's refusal says it: its reasons name what
     * the broker lacks, not where the simulator keeps it.
     */
    static String subscribeFailure(Throwable error, String issuer) {
        Throwable t = StageFailure.unwrap(error);
        String hint = !(t instanceof MqttRefusedException r) || r.reasonString() == null ? ""
                : switch (r.reasonString()) {
                    case "unknown_key", "bad_signature" -> ": the broker does not hold the observer's key of this fleet seed;"
                            + " give it the output of 'jwks --fleet-seed <this run's seed>' (the run's default: $EDGEAUTH_SIM_SEED,"
                            + " else edgeauth-sim-fleet) as the jwksFile of its trusted issuer " + issuer;
                    case "unknown_issuer" -> ": the broker does not trust the issuer " + issuer + "; add it to its trustedIssuers"
                            + " with the output of 'jwks --fleet-seed <this run's seed>' as jwksFile";
                    default -> "";
                };
        return "observer could not subscribe: " + t.getMessage() + hint;
    }

    /** The topic a command to device {@code id} goes to (a CoAP device observes {@code /d/{id}/down} and below). */
    static String commandTopic(String deviceId, int shard) {
        return "d/" + deviceId + "/down/sim/" + shard;
    }

    /**
     * Publishes a command (QoS 1) to {@code topic} on the observer's session; completes with the PUBACK reason
     * code, or fails when no observer session is connected.
     */
    CompletableFuture<Integer> command(String topic, ByteBuf payload) {
        MqttSession s = session;
        if (s == null) {
            payload.release();
            return CompletableFuture.failedFuture(new IllegalStateException("no observer session"));
        }
        return s.publish(topic, payload, MqttQoS.AT_LEAST_ONCE);
    }

    /** Key of a message: the device index and its sequence number in the session. */
    static long key(long index, int seq) {
        return index * 65536 + seq;
    }

    /** A message is about to be sent. */
    void expect(long key, long sentNanos) {
        pending.put(key, sentNanos);
    }

    /** The message was not acknowledged: nobody should count it as lost. */
    void forget(long key) {
        pending.remove(key);
    }

    private void delivered(ByteBuf payload) {
        if (payload.readableBytes() < RunRecorder.PAYLOAD_HEADER) {
            return;
        }
        long sent = payload.getLong(payload.readerIndex());
        long word = payload.getLong(payload.readerIndex() + 8);
        if (word >>> INDEX_BITS != runTag) { // another run's message on the same topics: neither ours nor a duplicate
            recorder.count(RunRecorder.Counter.FOREIGN_MESSAGES);
            return;
        }
        long index = word & INDEX_MASK;
        int seq = payload.getInt(payload.readerIndex() + 16);
        if (pending.remove(key(index, seq)) != null) {
            recorder.latency(Stage.DELIVERY, System.nanoTime() - sent);
            recorder.count(RunRecorder.Counter.DELIVERED);
        } else {
            recorder.count(RunRecorder.Counter.DUPLICATES);
        }
    }

    /** Messages registered and neither delivered nor forgotten. */
    int outstanding() {
        return pending.size();
    }

    @Override
    public void close() {
        closing = true;
        MqttSession s = session;
        if (s != null) {
            s.disconnect();
        }
    }
}
