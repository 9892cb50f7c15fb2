package io.edgeauth.broker.registry;

import io.edgeauth.broker.store.Store;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A node's view of a shared store that, once {@link #pauseAfterNextRead armed}, holds the answer of its next read of
 * one space until {@link #release}: the read is taken, then another node writes, then the answer (stale now) arrives.
 * How a test puts another node's write exactly into a check-then-write window.
 */
public final class PausingStore extends io.edgeauth.broker.store.ForwardingStore {
    private volatile String space;
    private final CountDownLatch read = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    public PausingStore(Store store) {
        super(store);
    }

    /** The next {@link #get} of {@code space} waits after reading until {@link #release}. */
    public void pauseAfterNextRead(String space) {
        this.space = space;
    }

    /** Waits until the paused read has read. */
    public void awaitRead() throws InterruptedException {
        if (!read.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the paused read never came");
        }
    }

    public void release() {
        released.countDown();
    }

    @Override
    public Optional<byte[]> get(String space, String key) {
        Optional<byte[]> answer = store.get(space, key);
        if (space.equals(this.space)) {
            this.space = null;
            read.countDown();
            try {
                released.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return answer;
    }
}
