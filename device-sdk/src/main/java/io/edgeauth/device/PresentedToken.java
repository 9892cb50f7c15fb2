package io.edgeauth.device;

import io.edgeauth.device.internal.MqttFailures;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which token a {@link DeviceMqttClient} presents and in what bytes: the current one from its source,
 * as the MQTT password (the token's text, or the raw CWT when asked), the fingerprint of the one the
 * broker last accepted, so a renewal is presented only once, and of the one last sent, so that when the
 * broker refuses it (CONNACK or DISCONNECT 0x86 / 0x87 / 0xA0) the next connection waits for another
 * token rather than presenting the refused one again. Thread-safe.
 */
final class PresentedToken {
    private static final Logger LOG = LoggerFactory.getLogger(PresentedToken.class);

    private final Supplier<AccessToken> tokens;
    /** The source of new tokens after a refusal; null for a client given a fixed token or a supplier. */
    private final TokenManager manager;
    private final boolean rawCwtPassword;
    private final String deviceId;
    private volatile String presented;
    private volatile String sent;

    private final Object lock = new Object();
    /** The refused token a new one was asked for: one request per refused token, the manager's backoff does the rest. */
    private String refreshedFor;
    /** Completes with the first token other than {@link #waitingFor}; null when nothing waits. */
    private CompletableFuture<AccessToken> waiting;
    private String waitingFor;

    PresentedToken(Supplier<AccessToken> tokens, TokenManager manager, boolean rawCwtPassword, String deviceId) {
        this.tokens = manager != null ? manager::current : tokens;
        this.manager = manager;
        this.rawCwtPassword = rawCwtPassword;
        this.deviceId = deviceId;
    }

    /** The current token; fails if the source has none yet. */
    AccessToken current() {
        AccessToken t = tokens.get();
        if (t == null) {
            throw new IllegalStateException("no access token yet (start the TokenManager first)");
        }
        return t;
    }

    /** {@link #current()} as a future, failed if there is no token yet. */
    CompletableFuture<AccessToken> currentAsync() {
        try {
            return CompletableFuture.completedFuture(current());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The MQTT password for {@code t}. */
    byte[] password(AccessToken t) {
        return rawCwtPassword ? t.bytes() : t.value().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code t} goes to the broker now (CONNECT or AUTH): the token a refusal that follows is about. */
    byte[] sending(AccessToken t) {
        sent = t.fingerprint();
        return password(t);
    }

    /** The password of the next automatic reconnect: the then-current token (null: the last one again). */
    byte[] forReconnect() {
        AccessToken t = tokens.get();
        if (t == null) {
            return null;
        }
        presented = t.fingerprint();
        return sending(t);
    }

    /**
     * The password of the automatic reconnect after a connection ended with {@code cause}. When the broker refused
     * the token last sent, it completes only once the manager has another (see {@link #onRefusal}); it fails when no
     * other token can come (the manager is closed, or there is no manager and the source still gives the refused
     * token). Otherwise it is {@link #forReconnect()} now.
     */
    CompletableFuture<byte[]> forReconnect(Throwable cause) {
        if (manager == null && refusedAndNoOther(cause)) {
            // nothing can bring another token: presenting the refused one every minute would only load the broker
            return CompletableFuture.failedFuture(new IllegalStateException("the broker refused the token, and the"
                    + " client has no TokenManager to get another"));
        }
        CompletableFuture<AccessToken> replacement = onRefusal(cause);
        return replacement == null ? CompletableFuture.completedFuture(forReconnect())
                : replacement.thenApply(t -> forReconnect());
    }

    /** True if {@code cause} refused the token last sent and the source still gives that same token. */
    private boolean refusedAndNoOther(Throwable cause) {
        String refused = sent;
        AccessToken now = tokens.get();
        return refused != null && cause != null && MqttFailures.tokenRefused(MqttFailures.unwrap(cause))
                && (now == null || refused.equals(now.fingerprint()));
    }

    /**
     * Called for every connection that ended or connect that failed. If {@code cause} says the broker no longer
     * accepts the token last sent and the manager has no other, asks the manager for a new one (once per refused
     * token: a device the token endpoint refuses too is then retried on the manager's backoff, up to
     * {@link TokenManager.Builder#retryAfterRefusalMax}, not at the pace of reconnects). Returns a future of the
     * replacement, or null if {@code cause} is no refusal of the token or there is no manager to ask.
     */
    CompletableFuture<AccessToken> onRefusal(Throwable cause) {
        String refused = sent;
        if (manager == null || refused == null || cause == null || !MqttFailures.tokenRefused(MqttFailures.unwrap(cause))) {
            return null;
        }
        if (manager.isClosed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("token manager closed"));
        }
        CompletableFuture<AccessToken> f;
        boolean ask;
        synchronized (lock) {
            AccessToken now = manager.current();
            if (now != null && !now.fingerprint().equals(refused)) {
                return CompletableFuture.completedFuture(now); // a newer token is already there
            }
            if (waiting == null || !refused.equals(waitingFor)) {
                waiting = new CompletableFuture<>();
                waitingFor = refused;
            }
            f = waiting;
            ask = !refused.equals(refreshedFor);
            refreshedFor = refused;
        }
        if (ask) {
            LOG.info("device {}: the broker refused token fp={} ({}), getting a new one", deviceId, refused,
                    FailureText.described(cause));
            manager.refreshNow(); // a failure is the manager's to retry, on its own backoff; the listener hears success
        }
        return f;
    }

    /** The manager has a new token: whatever waits for a replacement of a refused one goes on. */
    void onToken(AccessToken fresh) {
        CompletableFuture<AccessToken> f = null;
        synchronized (lock) {
            if (waiting != null && !fresh.fingerprint().equals(waitingFor)) {
                f = waiting;
                waiting = null;
                waitingFor = null;
            }
        }
        if (f != null) {
            f.complete(fresh);
        }
    }

    /** The client was closed: a reconnect still waiting for a token goes on, to find the client stopped. */
    void close() {
        CompletableFuture<AccessToken> f;
        synchronized (lock) {
            f = waiting;
            waiting = null;
            waitingFor = null;
        }
        if (f != null) {
            f.completeExceptionally(new IllegalStateException("client disconnected"));
        }
    }

    /** The broker accepted {@code t}. */
    void accepted(AccessToken t) {
        presented = t.fingerprint();
    }

    /** True if {@code t} is the token the broker last accepted. */
    boolean isPresented(AccessToken t) {
        return t.fingerprint().equals(presented);
    }
}
