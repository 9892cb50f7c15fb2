package io.edgeauth.broker.revocation;

import io.edgeauth.broker.store.ChangeFeed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link ChangeFeed} that drives a race by hand: it can hold back what the feed delivers to its node (the node has
 * not heard of another node's change yet), and pause the next write of one key just before it reaches the store
 * (the writer has decided what to write, the store has not got it yet).
 */
final class PausingFeed implements ChangeFeed {
    private final ChangeFeed delegate;
    private final Object deliveries = new Object();
    private final List<Runnable> heldBack = new ArrayList<>();
    private boolean holding;
    private volatile String pausedKey;
    private volatile CountDownLatch arrived = new CountDownLatch(1);
    private volatile CountDownLatch proceed = new CountDownLatch(1);

    PausingFeed(ChangeFeed delegate) {
        this.delegate = delegate;
    }

    /** From now on, changes reaching this node wait until {@link #deliver}. */
    void holdDeliveries() {
        synchronized (deliveries) {
            holding = true;
        }
    }

    /** Delivers what was held back, in order, and everything after it at once. */
    void deliver() {
        synchronized (deliveries) {
            holding = false;
            heldBack.forEach(Runnable::run);
            heldBack.clear();
        }
    }

    /** The next write of {@code key} waits, once it arrived ({@link #awaitPaused}), until {@link #resume}. */
    void pauseNextWriteOf(String key) {
        arrived = new CountDownLatch(1);
        proceed = new CountDownLatch(1);
        pausedKey = key;
    }

    void awaitPaused() throws InterruptedException {
        if (!arrived.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the write of " + pausedKey + " never came");
        }
    }

    void resume() {
        proceed.countDown();
    }

    private void beforeWrite(String key) {
        if (key.equals(pausedKey)) {
            pausedKey = null;
            arrived.countDown();
            try {
                if (!proceed.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("never resumed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void put(String feed, String space, String key, byte[] value, Instant expiresAt) {
        beforeWrite(key);
        delegate.put(feed, space, key, value, expiresAt);
    }

    @Override
    public boolean putIfAbsent(String feed, String space, String key, byte[] value, Instant expiresAt) {
        beforeWrite(key);
        return delegate.putIfAbsent(feed, space, key, value, expiresAt);
    }

    @Override
    public boolean putIfUnchanged(String feed, String space, String key, byte[] expected, byte[] value,
                                  Instant expiresAt) {
        beforeWrite(key);
        return delegate.putIfUnchanged(feed, space, key, expected, value, expiresAt);
    }

    @Override
    public void remove(String feed, String space, String key) {
        beforeWrite(key);
        delegate.remove(feed, space, key);
    }

    @Override
    public AutoCloseable follow(String feed, Consumer<Change> listener, Runnable resync) {
        return delegate.follow(feed, change -> {
            synchronized (deliveries) {
                if (holding) {
                    heldBack.add(() -> listener.accept(change));
                } else {
                    listener.accept(change);
                }
            }
        }, resync);
    }

    @Override
    public boolean shared() {
        return delegate.shared();
    }
}
