package io.edgeauth.broker.cluster;

import io.edgeauth.broker.store.redis.RedisStore;
import io.edgeauth.broker.testsupport.RedisServer;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;

/** A redis-server for one test, a store on it as a node opens it, and a connection of the test's own. */
final class RedisFixture implements AutoCloseable {
    final RedisServer server;
    final RedisStore store;
    final StatefulRedisConnection<String, byte[]> connection;
    final RedisCommands<String, byte[]> redis;

    RedisFixture(Path dir) throws Exception {
        server = RedisServer.start(dir);
        store = server.connectStore();
        connection = store.connectOwn();
        redis = connection.sync();
    }

    @Override
    public void close() throws Exception {
        connection.close();
        store.close();
        server.close();
    }
}
