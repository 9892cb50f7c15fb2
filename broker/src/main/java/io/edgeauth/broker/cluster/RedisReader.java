package io.edgeauth.broker.cluster;

import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * A daemon thread that reads Redis with blocking commands on a connection of its own (a blocking read
 * must not hold up the shared, multiplexed command connection), backing off between failed rounds.
 * Subclasses prepare on the caller's thread (so start-up fails loudly) and then loop until closed.
 */
abstract class RedisReader implements AutoCloseable {
    protected final RedisStore store;
    private final Thread thread;
    protected volatile boolean closed;
    protected StatefulRedisConnection<String, byte[]> connection;

    RedisReader(RedisStore store, String threadName) {
        this.store = store;
        this.thread = new Thread(this::readLoop, threadName);
        this.thread.setDaemon(true);
    }

    /** Connects, runs {@link #prepare} on the caller's thread, then starts the reading thread. */
    final void startReading() {
        connection = store.connectOwn();
        try {
            prepare(connection.sync());
        } catch (RuntimeException e) {
            connection.close(); // e.g. a start refused for a node id in use: nothing is left open
            throw e;
        }
        thread.start();
    }

    /** What must be in place before the first read (throws when Redis does not answer). */
    abstract void prepare(RedisCommands<String, byte[]> redis);

    /** The reading thread's body: loops until {@link #closed}. */
    abstract void readLoop();

    /** Sleeps between failed rounds; false when interrupted (the reader is closing). */
    static boolean pause(long millis) {
        try {
            Thread.sleep(millis); // reconnect back-off of a reader thread
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (connection != null) {
            connection.close();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
