package io.edgeauth.broker.bench;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The cost of persistent sessions' copies in Redis: QoS 1 messages published and received on one node with
 * {@code store.type: redis}, the subscriber in a clean session vs a persistent one (every message journaled on the
 * node's disk and copied to the session's Redis stream by one script call before the PUBACK, removed with one
 * {@code XDEL} at the acknowledgement), and for reference the persistent session on a node with the embedded
 * store (the journal alone). Runs alternate (clean, persistent, embedded persistent) {@code rounds} times in one
 * sitting; one line per round and a summary line. msg/s, and CPU per message: this JVM (node and clients) and
 * redis-server ({@code INFO cpu}). Args: messages (default 20000), window (default 64), rounds (default 2).
 */
public final class SessionCopyBench {
    private SessionCopyBench() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = Files.createTempDirectory("session-copy-bench");
        Map<String, String> fast = Map.of("EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":1000000,"
                + "\"burst\":1000000,\"bytesPerSecond\":1000000000}}", "EDGEAUTH_COAP_PORT", "-1");
        StringBuilder summary = new StringBuilder();
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
            env.putAll(fast);
            try (Broker shared = Broker.start(TestBrokers.config(dir.resolve("redis-node"), env));
                 Broker embedded = Broker.start(TestBrokers.config(dir.resolve("embedded-node"), fast))) {
                CrossNodeBench.run(shared, shared, redis, messages / 5, window, true); // warm-up
                CrossNodeBench.run(embedded, embedded, null, messages / 5, window, true);
                for (int r = 1; r <= rounds; r++) {
                    CrossNodeBench.Run clean = CrossNodeBench.run(shared, shared, redis, messages, window, false);
                    CrossNodeBench.Run copied = CrossNodeBench.run(shared, shared, redis, messages, window, true);
                    CrossNodeBench.Run journal = CrossNodeBench.run(embedded, embedded, null, messages, window, true);
                    System.out.printf("  round %d: redis node clean session %s; persistent (journal + Redis copy) %s;"
                            + " embedded node persistent (journal) %s%n", r, line(clean), line(copied), line(journal));
                    summary.append(String.format("%sround %d %.2fx the rate, +%.0f us JVM +%.0f us redis CPU/msg", r == 1 ? "" : "; ",
                            r, copied.perSecond() / clean.perSecond(), copied.jvmCpuMicros() - clean.jvmCpuMicros(),
                            copied.redisCpuMicros() - clean.redisCpuMicros()));
                }
            }
        }
        System.out.printf("session copies (QoS 1, persistent vs clean session on a redis node, %d messages, window %d): %s%n",
                messages, window, summary);
        System.exit(0);
    }

    private static String line(CrossNodeBench.Run run) {
        return String.format("%.0f msg/s, CPU %.0f us/msg (+ redis %.0f us/msg)", run.perSecond(), run.jvmCpuMicros(),
                run.redisCpuMicros());
    }
}
