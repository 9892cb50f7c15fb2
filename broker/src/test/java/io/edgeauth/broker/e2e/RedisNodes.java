package io.edgeauth.broker.e2e;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A redis-server and broker processes on it ({@code BrokerCli run}, as a user starts them), each with its own
 * data directory under the test's: without CoAP, a node lease long enough for a restart on a loaded machine,
 * and a rate plan above the tests' bursts. Closes every node it started, then Redis.
 */
final class RedisNodes implements AutoCloseable {
    final Path dir;
    final RedisServer redis;
    private final List<BrokerProcess> started = new ArrayList<>();

    private RedisNodes(Path dir, RedisServer redis) {
        this.dir = dir;
        this.redis = redis;
    }

    static RedisNodes start(Path dir) throws Exception {
        return new RedisNodes(dir, RedisServer.start(Files.createDirectories(dir.resolve("redis"))));
    }

    /** Starts (or starts again, on the same data directory and node id) the node {@code name}. */
    BrokerProcess node(String name) throws Exception {
        return node(name, Map.of());
    }

    /** {@link #node(String)} with more environment settings. */
    BrokerProcess node(String name, Map<String, String> settings) throws Exception {
        Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
        env.put("EDGEAUTH_COAP_PORT", "-1");
        env.put("EDGEAUTH_STORE_NODE_LEASE", "120s"); // a restart on a loaded machine stays within it
        env.put("EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":1000,\"burst\":1000,"
                + "\"bytesPerSecond\":1000000}}");
        env.putAll(settings);
        BrokerProcess node = BrokerProcess.start(TestBrokers.env(dir.resolve(name), env), List.of("-Xmx256m"),
                ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".err").toFile()));
        started.add(node);
        return node;
    }

    @Override
    public void close() throws Exception {
        for (BrokerProcess node : started) {
            node.close();
        }
        redis.close();
    }
}
