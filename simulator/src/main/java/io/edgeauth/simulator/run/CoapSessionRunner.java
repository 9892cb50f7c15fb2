package io.edgeauth.simulator.run;

import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.edgeauth.device.internal.BusyRetry;
import io.edgeauth.simulator.coap.CoapDevices;
import io.edgeauth.simulator.coap.CoapLink;
import io.edgeauth.simulator.coap.CoapRefusedException;
import io.edgeauth.simulator.coap.DownlinkWatch;
import io.edgeauth.simulator.fleet.FleetIdentities;
import io.edgeauth.simulator.report.RunRecorder;
import io.edgeauth.simulator.report.RunRecorder.Counter;
import io.edgeauth.simulator.report.Stage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.eclipse.californium.core.coap.Request;

/**
 * The session of a CoAP device as a chain of asynchronous steps, like {@link SessionRunner}'s MQTT chain:
 * derive the identity (and its PSK), onboard, get a token (HTTP {@code /oauth/token}, or CoAP {@code /token}
 * over the device's own DTLS session), open a {@link CoapLink} on a fresh client socket, upload the token to
 * {@code /authz-info} (the DTLS handshake runs first), POST telemetry (confirmable, each to its 2.04), register
 * an Observe on the command resource and receive a command through it, hold (re-uploading fresh tokens on the
 * renewal scenario; on the revocation scenario the broker's end of the Observe relation is the drop), and end
 * (close_notify, or abandon the socket so the broker keeps the session). Thread-safe: one instance per run.
 */
final class CoapSessionRunner {
    /** The sequence number of the command a session receives (its telemetry uses 0..--messages-1). */
    private static final int COMMAND_SEQ = 0xC0;
    /** Restart scenario: how often a held session checks that it is still authorized, and how long it waits. */
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(1);
    private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(4);
    private final SessionRunner runner;
    private final CoapDevices devices;
    private final RunSettings settings;
    /**
     * Retries of a shed CoAP request. The broker's Max-Age (1 s by default) spaces them without growing, so the
     * MQTT CONNECT's 6 would give up after about 6 s; this many leave it to {@code --connect-timeout}, which bounds
     * the first answer with every retry in it.
     */
    static final int BUSY_RETRIES = 30;
    private final RunRecorder recorder;
    private final byte[] pskMaster;

    CoapSessionRunner(SessionRunner runner, CoapDevices devices) {
        this.runner = runner;
        this.devices = devices;
        this.settings = runner.settings();
        this.recorder = runner.recorder();
        this.pskMaster = settings.fleet().pskMaster();
    }

    /** An honest CoAP device's session: its outcome as {@link SessionRunner#run}'s; never completes exceptionally. */
    CompletableFuture<String> honest(long index, long dueNanos) {
        return CompletableFuture.supplyAsync(() -> settings.fleet().identity(index), runner.work())
                .thenCompose(id -> withLink(index, link -> session(index, id, link)))
                .handle((v, e) -> {
                    if (e == null) {
                        recorder.count(Counter.HONEST_COMPLETED);
                        recorder.latency(Stage.SESSION, System.nanoTime() - dueNanos);
                        return null;
                    }
                    StageFailure f = StageFailure.of("session", e);
                    if (!f.outcome().equals(SessionRunner.REVOKED_BY_WAVE)) {
                        recorder.failure(f.outcome(), settings.fleet().deviceId(index), StageFailure.detailOf(f));
                    }
                    return f.outcome();
                });
    }

    /** Token, upload, telemetry, Observe (and a command through it), hold, Observe cancelled: the steps on an open link. */
    private CompletableFuture<Void> session(long index, DeviceIdentity id, CoapLink link) {
        DownlinkWatch down = devices.options().observe() ? new DownlinkWatch(index) : null;
        return onboardTokenAndUpload(id, link)
                .thenCompose(v -> {
                    recorder.count(Counter.HONEST_ACCEPTED);
                    return publishAll(index, id.deviceId(), link);
                })
                .thenCompose(v -> observe(id.deviceId(), link, down))
                .thenCompose(registration -> command(index, id.deviceId(), down).thenApply(v -> registration))
                .thenCompose(registration -> hold(index, id, link, down).thenCompose(sameLink -> registration == null || !sameLink
                        ? CompletableFuture.<Void>completedFuture(null)
                        : link.cancelObserve(registration).handle((r, e) -> {
                            if (e != null) {
                                throw StageFailure.of("observe_cancel", e);
                            }
                            return r;
                        })));
    }

    /**
     * A chaos device presents {@code token} at {@code /authz-info} once over its own session: completes if it is
     * accepted (wrong), fails with the refusal ({@code authz:<reason>}) otherwise.
     */
    CompletableFuture<Void> presentOnce(long index, byte[] token, TokenFormat format) {
        return withLink(index, link -> upload(link, token, format));
    }

    /** The outcome a chaos kind must end with on CoAP: the token endpoint's refusal, or the upload's. */
    static String expected(ChaosKind kind) {
        String mqtt5 = kind.expected(true);
        return mqtt5.startsWith("connect:") ? "authz:" + mqtt5.substring("connect:".length()) : mqtt5;
    }

    /** Opens a link for the device, runs {@code body} on it and ends the link whatever happened. */
    private <T> CompletableFuture<T> withLink(long index, Function<CoapLink, CompletableFuture<T>> body) {
        CompletableFuture<CoapLink> opened = CompletableFuture.supplyAsync(() -> open(index), runner.work());
        return opened.handle((link, e) -> {
            if (e != null) {
                return CompletableFuture.<T>failedFuture(StageFailure.of("socket", e));
            }
            CompletableFuture<T> result;
            try {
                result = body.apply(link);
            } catch (RuntimeException ex) {
                result = CompletableFuture.failedFuture(ex);
            }
            return result.whenComplete((v, ex) -> link.close(!devices.options().abandon()));
        }).thenCompose(f -> f);
    }

    /** Device {@code index}'s link with its PSK, or with its P-256 key (as a raw public key or in a certificate). */
    private CoapLink open(long index) {
        String deviceId = settings.fleet().deviceId(index);
        CoapLink link;
        if (!devices.options().publicKey()) {
            link = devices.open(deviceId, FleetIdentities.psk(pskMaster, deviceId));
        } else {
            try {
                link = devices.open(deviceId, null, settings.fleet().privateKey(index).toECKey().toKeyPair());
            } catch (com.nimbusds.jose.JOSEException e) {
                throw new IllegalStateException("device key is not an EC key pair", e);
            }
        }
        // a held link renews its session on silence as a device on the SDK does (--coap-renew-after)
        link.onRenewal((resumed, nanos) -> recorder.latency(resumed ? Stage.RESUMPTION : Stage.HANDSHAKE, nanos));
        return link;
    }

    private CompletableFuture<Void> onboardTokenAndUpload(DeviceIdentity id, CoapLink link) {
        return runner.onboard(id, settings.tenant()).thenCompose(v -> tokenAndUpload(id, link));
    }

    /** A fresh token (HTTP or CoAP {@code /token}) uploaded over {@code link}. */
    private CompletableFuture<Void> tokenAndUpload(DeviceIdentity id, CoapLink link) {
        if (devices.options().tokenOverCoap()) {
            return CompletableFuture.supplyAsync(() -> assertion(id), runner.work())
                    .thenCompose(assertion -> timedFirst(link, Stage.COAP_TOKEN, "coap_token",
                            () -> busyRetried(() -> link.token(assertion, settings.tokenFormat()))))
                    .thenCompose(token -> upload(link, token, settings.tokenFormat()));
        }
        return runner.token(id).thenCompose(t -> upload(link, t.bytes(), t.format()));
    }

    private CompletableFuture<Void> upload(CoapLink link, byte[] token, TokenFormat format) {
        return timedFirst(link, Stage.AUTHZ, "authz", () -> busyRetried(() -> link.uploadToken(token, format)));
    }

    /**
     * As a device on the SDK would: a request the broker sheds (5.03 Service Unavailable) is sent again after its
     * Max-Age times a random factor in [0.5, 1.5), up to {@link #BUSY_RETRIES} times; the stage's latency spans
     * every attempt and wait.
     */
    private <T> CompletableFuture<T> busyRetried(java.util.function.Supplier<CompletableFuture<T>> request) {
        AtomicBoolean again = new AtomicBoolean();
        return BusyRetry.run(() -> {
            if (again.getAndSet(true)) {
                recorder.count(Counter.BUSY_RETRIES);
            }
            return request.get();
        }, e -> e instanceof CoapRefusedException r && r.busy() ? r.maxAgeSeconds() : BusyRetry.NOT_BUSY,
                BUSY_RETRIES);
    }

    /** A client assertion for CoAP {@code /token}: its audience is the broker's HTTP token endpoint URL. */
    private String assertion(DeviceIdentity id) {
        return runner.assertions(id).create();
    }

    /**
     * Times a step that may be the session's first request: the DTLS handshake it ran is recorded as
     * {@link Stage#HANDSHAKE} and left out of the step's own latency.
     */
    private <T> CompletableFuture<T> timedFirst(CoapLink link, Stage stage, String name,
                                                java.util.function.Supplier<CompletableFuture<T>> step) {
        boolean first = link.handshakeNanos() < 0;
        long start = System.nanoTime();
        CompletableFuture<T> f;
        try {
            f = step.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(StageFailure.of(name, e));
        }
        if (first) { // --connect-timeout bounds the handshake and the first answer, as it bounds TCP + CONNACK
            f = f.orTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        return f.handle((v, e) -> {
            long handshake = first ? link.handshakeNanos() : -1;
            if (handshake >= 0) {
                recorder.latency(Stage.HANDSHAKE, handshake);
            }
            if (e != null) {
                StageFailure failure = StageFailure.of(name, e);
                runner.gate().stepEnded(name, start, failure.outcome());
                throw failure;
            }
            runner.gate().stepEnded(name, start, null);
            recorder.latency(stage, System.nanoTime() - start - Math.max(0, handshake));
            return v;
        });
    }

    /** The device's messages one after the other, each confirmable and answered 2.04 (the CoAP QoS 1). */
    private CompletableFuture<Void> publishAll(long index, String deviceId, CoapLink link) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        String path = "sim/" + settings.shard().index();
        for (int seq = 0; seq < settings.messagesPerSession(); seq++) {
            int s = seq;
            chain = chain.thenCompose(v -> publish(index, s, deviceId, path, link));
        }
        return chain;
    }

    private CompletableFuture<Void> publish(long index, int seq, String deviceId, String path, CoapLink link) {
        DeliveryObserver observer = runner.observer();
        long key = DeliveryObserver.key(index, seq);
        long sent = System.nanoTime();
        byte[] payload = ByteBuffer.allocate(settings.payloadBytes()).putLong(sent).putLong(DeliveryObserver.indexWord(runner.runTag(), index))
                .putInt(seq).array();
        if (observer != null) {
            observer.expect(key, sent);
        }
        // counted once it left the device (as MQTT's, once handed to the connection): a POST whose DTLS handshake
        // failed (publish:send_error) never left it and is counted under its failure only
        return link.telemetry(deviceId, path, payload, () -> recorder.count(Counter.PUBLISHED)).handle((v, e) -> {
            if (e == null) {
                recorder.count(Counter.ACKED);
                recorder.latency(Stage.COAP_POST, System.nanoTime() - sent);
                return null;
            }
            if (observer != null) {
                observer.forget(key);
            }
            throw StageFailure.of("publish", e);
        });
    }

    private CompletableFuture<Request> observe(String deviceId, CoapLink link, DownlinkWatch down) {
        if (down == null) {
            return CompletableFuture.completedFuture(null);
        }
        return runner.timed(Stage.OBSERVE, "observe", () -> link.observeCommands(deviceId, down));
    }

    /**
     * With {@code --coap-commands}: the observer publishes one QoS 1 command to the device's
     * {@code d/{id}/down/sim/<shard>}; it must arrive as a notification of the Observe relation within
     * {@code --connect-timeout}, else it is lost ({@code lost:command_not_delivered}).
     */
    private CompletableFuture<Void> command(long index, String deviceId, DownlinkWatch down) {
        if (down == null || !devices.options().commands()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Long> arrived = down.expect(COMMAND_SEQ);
        long sent = System.nanoTime();
        ByteBuf payload = Unpooled.buffer(settings.payloadBytes()).writeLong(sent).writeLong(index).writeInt(COMMAND_SEQ)
                .writeZero(settings.payloadBytes() - RunRecorder.PAYLOAD_HEADER);
        return runner.observer().command(DeliveryObserver.commandTopic(deviceId, settings.shard().index()), payload)
                .handle((code, e) -> {
                    if (e != null) {
                        throw StageFailure.of("command", e);
                    }
                    if (code != 0) {
                        throw new StageFailure("command:puback_0x" + Integer.toHexString(code));
                    }
                    recorder.count(Counter.COMMANDS_SENT);
                    return code;
                })
                .thenCompose(v -> arrived.orTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .handle((latency, e) -> {
                    if (e != null) {
                        throw StageFailure.unwrap(e) instanceof java.util.concurrent.TimeoutException
                                ? new StageFailure("lost:command_not_delivered") : StageFailure.of("command", e);
                    }
                    recorder.count(Counter.COMMANDS_RECEIVED);
                    recorder.latency(Stage.COMMAND, latency);
                    return null;
                });
    }

    /**
     * Stays {@code --hold}; on the renewal scenario uploads a fresh token every {@code --renew-every}. A session with
     * an Observe relation is a target of the revocation wave: the relation's ending notification is its drop. On the
     * restart scenario the session checks its authorization every {@link #HEARTBEAT_EVERY} and comes back on a
     * fresh link when it lost the broker. Completes with whether the session still runs on {@code link}.
     */
    private CompletableFuture<Boolean> hold(long index, DeviceIdentity id, CoapLink link, DownlinkWatch down) {
        Duration hold = settings.hold();
        if (hold.isZero()) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> end = new CompletableFuture<>();
        if (!runner.registerHold(end, () -> end.complete(true))) {
            return end;
        }
        boolean restartScenario = settings.scenario() == Scenario.RESTART;
        AtomicBoolean recovering = new AtomicBoolean();
        Runnable lost = () -> {
            if (!end.isDone() && recovering.compareAndSet(false, true)) {
                recover(index, id, link).whenComplete((v, e) -> {
                    if (e == null) {
                        end.complete(false);
                    } else {
                        end.completeExceptionally(e);
                    }
                });
            }
        };
        if (down != null || restartScenario) {
            runner.holding.add(index);
        }
        if (down != null) {
            down.ended().thenAccept(code -> {
                if (restartScenario && !runner.revoked.containsKey(index)) {
                    lost.run(); // a broker that shuts down ends its relations
                } else {
                    ended(index, id.deviceId(), link, code, end);
                }
            });
        }
        if (restartScenario) {
            heartbeat(id.deviceId(), link, end, recovering, lost);
        }
        runner.after(hold).thenRun(() -> {
            if (runner.revoked.containsKey(index)) {
                end.completeExceptionally(new StageFailure("revocation:not_dropped"));
            } else if (!recovering.get()) {
                end.complete(true);
            }
        });
        if (settings.scenario() == Scenario.RENEWAL) {
            scheduleRenewal(id, link, end);
        }
        return end.whenComplete((v, e) -> runner.holding.remove(index));
    }

    /** Checks the session's authorization now and then; a check that fails or goes unanswered means the broker is lost. */
    private void heartbeat(String deviceId, CoapLink link, CompletableFuture<Boolean> end, AtomicBoolean recovering, Runnable lost) {
        runner.after(HEARTBEAT_EVERY).thenRun(() -> {
            if (end.isDone() || recovering.get()) {
                return;
            }
            link.check(deviceId).orTimeout(HEARTBEAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
                if (e == null) {
                    heartbeat(deviceId, link, end, recovering, lost);
                } else {
                    lost.run();
                }
            });
        });
    }

    /**
     * The restart scenario's way back for a CoAP device, as a device on the SDK goes: first a fresh token uploaded on
     * the link it held, given {@code --connect-timeout} (CoAP's retransmissions reach a broker that comes back
     * meanwhile): a broker that kept its DTLS sessions across a clean restart answers there, with no handshake. A
     * broker that lost them drops the session's records; once enough transmissions go unanswered
     * ({@code --coap-renew-after}) the link renews its session (a full handshake then, counted as {@code handshake};
     * an abbreviated one with a broker that kept it, {@code resumption}) and the upload goes on over it. Failing that, fresh sockets, each with a DTLS handshake
     * and a fresh token, tried until the broker answers or {@code --restart-window} passed. Then one more confirmable message
     * (which the observer must receive) and the link's end. The {@code handshake} stage counts the handshakes.
     */
    private CompletableFuture<Void> recover(long index, DeviceIdentity id, CoapLink held) {
        RestartRecovery restart = runner.restart();
        long dropped = restart.dropped();
        long deadline = dropped + settings.restart().window().toNanos();
        return tokenAndUpload(id, held).orTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((v, e) -> e == null)
                .thenCompose(resumed -> resumed ? CompletableFuture.completedFuture(held) : restart.untilBack(deadline, () -> {
                    CoapLink fresh = open(index);
                    return tokenAndUpload(id, fresh).handle((v, e) -> {
                        if (e != null) {
                            fresh.close(false);
                            throw StageFailure.of("authz", e);
                        }
                        return fresh;
                    });
                }))
                .thenCompose(link -> {
                    restart.back(dropped);
                    return publish(index, settings.messagesPerSession(), id.deviceId(), "sim/" + settings.shard().index(), link)
                            .whenComplete((v, e) -> {
                                if (link != held) { // the held link is closed by the session that opened it
                                    link.close(!devices.options().abandon());
                                }
                            });
                });
    }

    /**
     * The broker ended the device's Observe relation with {@code code}. After a revocation of the device that is
     * the drop (timed from the revocation request); the session's next request must then be refused as well.
     * Otherwise the session was dropped for no reason the run gave.
     */
    private void ended(long index, String deviceId, CoapLink link, String code, CompletableFuture<Boolean> end) {
        Long revokedAt = runner.revoked.get(index);
        if (revokedAt == null) {
            end.completeExceptionally(new StageFailure("dropped:coap_" + code));
            return;
        }
        recorder.latency(Stage.REVOCATION_DROP, System.nanoTime() - revokedAt);
        recorder.count(Counter.REVOKED_LIVE);
        // one byte, shorter than the header: the observer would not count it even if it were delivered
        link.telemetry(deviceId, "sim/" + settings.shard().index() + "/after-revocation", new byte[1]).whenComplete((v, e) ->
                end.completeExceptionally(e == null ? new StageFailure("revocation:still_authorized")
                        : StageFailure.unwrap(e) instanceof CoapRefusedException ? new StageFailure(SessionRunner.REVOKED_BY_WAVE)
                        : StageFailure.of("revocation_probe", e)));
    }

    private void scheduleRenewal(DeviceIdentity id, CoapLink link, CompletableFuture<Boolean> end) {
        runner.after(settings.renewEvery()).thenRun(() -> {
            if (end.isDone()) {
                return;
            }
            runner.token(id).thenCompose(t -> runner.timed(Stage.RENEWAL, "renewal", () -> link.uploadToken(t.bytes(), t.format())))
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            end.completeExceptionally(StageFailure.of("renewal", e));
                        } else {
                            recorder.count(Counter.RENEWALS);
                            scheduleRenewal(id, link, end);
                        }
                    });
        });
    }
}
