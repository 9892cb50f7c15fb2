package io.edgeauth.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a current access token: fetches one on {@link #start()}, refreshes it before it expires (by
 * default at 80% of its lifetime, minus up to 10% jitter so a fleet does not refresh in lockstep),
 * retries failures with capped exponential backoff (each wait between half of it and all of it, at random, so a fleet
 * that failed together does not retry together), and tells listeners about every new token (the
 * MQTT client re-authenticates with it).
 *
 * <pre>{@code
 * TokenManager tokens = TokenManager.builder(tokenClient).scheduler(scheduler).build();
 * tokens.addListener(t -> log.info("new token {}", t.fingerprint()));
 * tokens.start().join();
 * }</pre>
 *
 * <p>Logs only token fingerprints. Does not own the scheduler it is given. Thread-safe.
 */
public final class TokenManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenManager.class);
    /** The largest part of a failure's backoff taken off at random. */
    private static final double RETRY_JITTER = 0.5;

    /** Hears about new tokens and refresh failures. Called on the thread that completed the fetch. */
    public interface Listener {
        /** A new token is current. */
        void onToken(AccessToken token);

        /** A refresh failed; the manager retries on its own. {@code current} may be null or expired. */
        default void onRefreshFailed(Throwable error, AccessToken current) {
        }
    }

    /** Runs a task after a delay; {@link #of(ScheduledExecutorService)} adapts a JDK scheduler. Tests inject a manual one. */
    @FunctionalInterface
    public interface Scheduler {
        /** Schedules {@code task} after {@code delay}; the returned handle cancels it. */
        Cancellable schedule(Runnable task, Duration delay);

        static Scheduler of(ScheduledExecutorService executor) {
            Objects.requireNonNull(executor, "executor");
            return (task, delay) -> {
                ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            };
        }
    }

    /** Cancels a scheduled task. */
    @FunctionalInterface
    public interface Cancellable {
        void cancel();
    }

    private final TokenSource source;
    private final Scheduler scheduler;
    private final Clock clock;
    private final double refreshFraction;
    private final double jitterFraction;
    private final DoubleSupplier random;
    private final Duration minRetry;
    private final Duration maxRetry;
    private final Duration maxRetryAfterRefusal;
    private final String name;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    private volatile AccessToken current;
    private Cancellable pending;
    private CompletableFuture<AccessToken> inFlight;
    private Duration nextRetry;
    private boolean closed;

    private TokenManager(Builder b) {
        this.source = b.source;
        this.scheduler = b.scheduler;
        this.clock = b.clock;
        this.refreshFraction = b.refreshFraction;
        this.jitterFraction = b.jitterFraction;
        this.random = b.random;
        this.minRetry = b.minRetry;
        this.maxRetry = b.maxRetry;
        this.maxRetryAfterRefusal = b.maxRetryAfterRefusal;
        this.name = b.name;
        this.nextRetry = minRetry;
    }

    /** Starts a builder that gets tokens from {@code source} (usually a {@link TokenClient}). */
    public static Builder builder(TokenSource source) {
        return new Builder(source);
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Fetches the first token and starts the refresh cycle. The future completes with the first token
     * or fails with the first error (the manager keeps retrying in the background either way).
     */
    public CompletableFuture<AccessToken> start() {
        return refreshNow();
    }

    /**
     * Fetches a new token now (e.g. after the broker refused the current one); joins a fetch already
     * under way rather than starting a second.
     */
    public CompletableFuture<AccessToken> refreshNow() {
        CompletableFuture<AccessToken> f;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("token manager closed"));
            }
            if (inFlight != null) {
                return inFlight;
            }
            if (pending != null) {
                pending.cancel();
                pending = null;
            }
            f = new CompletableFuture<>();
            inFlight = f;
        }
        CompletableFuture<AccessToken> fetch;
        try {
            fetch = Objects.requireNonNull(source.fetch(), "token source returned null");
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        fetch.whenComplete((token, error) -> {
            if (error != null) {
                onFailure(unwrap(error));
                f.completeExceptionally(unwrap(error));
            } else {
                onToken(token);
                f.complete(token);
            }
        });
        return f;
    }

    /** The current token, or null before the first one arrived. It may have expired if refreshes keep failing. */
    public AccessToken current() {
        return current;
    }

    /** The current token if it is still valid now, else null. */
    public AccessToken currentIfValid() {
        AccessToken t = current;
        return t != null && t.isValidAt(clock.instant()) ? t : null;
    }

    /** True once {@link #close()} was called: no new token comes (a client waiting for one stops waiting). */
    boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Stops refreshing. Does not shut down the scheduler. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (pending != null) {
                pending.cancel();
                pending = null;
            }
        }
    }

    /** The delay after which a token received now is refreshed: fraction of lifetime minus jitter. */
    Duration refreshDelay(AccessToken token, Instant now) {
        long lifetimeMs = Math.max(0, Duration.between(token.issuedAt(), token.expiresAt()).toMillis());
        double jitter = jitterFraction * random.getAsDouble();
        long atMs = (long) (lifetimeMs * Math.max(0.0, refreshFraction - jitter));
        Instant at = token.issuedAt().plusMillis(atMs);
        Duration d = Duration.between(now, at);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private void onToken(AccessToken token) {
        Duration delay = refreshDelay(token, clock.instant());
        synchronized (lock) {
            inFlight = null;
            current = token;
            nextRetry = minRetry;
            if (closed) {
                return;
            }
            pending = scheduler.schedule(this::scheduledRefresh, delay);
        }
        LOG.debug("{}: token fp={} valid until {}, refresh in {} ms", name, token.fingerprint(), token.expiresAt(), delay.toMillis());
        for (Listener l : listeners) {
            try {
                l.onToken(token);
            } catch (RuntimeException e) {
                LOG.warn("{}: token listener failed", name, e);
            }
        }
    }

    private void onFailure(Throwable error) {
        Duration delay;
        AccessToken cur;
        synchronized (lock) {
            inFlight = null;
            // a refusal (the credential, not the network: a revoked device, a withdrawn CA) backs off further, so a
            // refused fleet does not ask every minute for ever; transport trouble and 5xx keep the short cap
            long cap = (isRefusal(error) ? maxRetryAfterRefusal : maxRetry).toMillis();
            long backoff = Math.min(cap, nextRetry.toMillis());
            nextRetry = Duration.ofMillis(Math.min(cap, backoff * 2));
            // a random half of the backoff at most is taken off: a fleet that lost the endpoint together (a broker
            // restart) otherwise asks again in lockstep at 1, 3, 7 ... s, and every minute at once at the cap
            delay = Duration.ofMillis(backoff - (long) (backoff * RETRY_JITTER * random.getAsDouble()));
            cur = current;
            if (closed) {
                return;
            }
            // never wait past the current token's expiry if it is still valid
            if (cur != null) {
                Duration left = Duration.between(clock.instant(), cur.expiresAt());
                if (!left.isNegative() && left.compareTo(delay) < 0) {
                    delay = left;
                }
            }
            pending = scheduler.schedule(this::scheduledRefresh, delay);
        }
        LOG.info("{}: token refresh failed ({}), retrying in {} ms", name, error.toString(), delay.toMillis());
        for (Listener l : listeners) {
            try {
                l.onRefreshFailed(error, cur);
            } catch (RuntimeException e) {
                LOG.warn("{}: token listener failed", name, e);
            }
        }
    }

    private void scheduledRefresh() {
        synchronized (lock) {
            pending = null;
        }
        refreshNow();
    }

    private static boolean isRefusal(Throwable error) {
        return unwrap(error) instanceof TokenRequestException e && !e.isRetryable();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final TokenSource source;
        private Scheduler scheduler;
        private Clock clock = Clock.systemUTC();
        private double refreshFraction = 0.8;
        private double jitterFraction = 0.1;
        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
        private Duration minRetry = Duration.ofSeconds(1);
        private Duration maxRetry = Duration.ofSeconds(60);
        private Duration maxRetryAfterRefusal = Duration.ofMinutes(15);
        private String name = "token-manager";

        private Builder(TokenSource source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /** The scheduler for refreshes; share one across many managers. Required. */
        public Builder scheduler(ScheduledExecutorService executor) {
            this.scheduler = Scheduler.of(executor);
            return this;
        }

        /** A custom scheduler (tests). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Refresh at this fraction of the lifetime, in (0, 1). Default 0.8. */
        public Builder refreshAt(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("refresh fraction must be in (0, 1)");
            }
            this.refreshFraction = fraction;
            return this;
        }

        /** Refresh up to this fraction of the lifetime earlier, at random; in [0, refreshAt). Default 0.1. */
        public Builder jitter(double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("jitter must be in [0, 1)");
            }
            this.jitterFraction = fraction;
            return this;
        }

        /** Source of uniform randoms in [0, 1) for the jitter (tests). */
        public Builder random(DoubleSupplier random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Backoff after failed refreshes: starts at min, doubles to max; each wait is between half of it and all of it,
         * at random. Default 1 s to 60 s.
         */
        public Builder retryBackoff(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("need 0 < min <= max");
            }
            this.minRetry = min;
            this.maxRetry = max;
            return this;
        }

        /**
         * The longest wait after the broker refused the credential (an RFC 6749 error that is not retryable, e.g.
         * {@code invalid_client}: the device revoked, its fleet CA withdrawn): the backoff doubles up to it instead of
         * {@code max}. Default 15 minutes; never less than the backoff's max.
         */
        public Builder retryAfterRefusalMax(Duration max) {
            if (max.isNegative() || max.isZero()) {
                throw new IllegalArgumentException("need a positive duration");
            }
            this.maxRetryAfterRefusal = max;
            return this;
        }

        /** A name for log lines, e.g. the device id. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public TokenManager build() {
            if (scheduler == null) {
                throw new IllegalStateException("a scheduler is required");
            }
            if (jitterFraction >= refreshFraction) {
                throw new IllegalStateException("jitter must be smaller than the refresh fraction");
            }
            if (maxRetryAfterRefusal.compareTo(maxRetry) < 0) {
                maxRetryAfterRefusal = maxRetry;
            }
            return new TokenManager(this);
        }
    }
}
