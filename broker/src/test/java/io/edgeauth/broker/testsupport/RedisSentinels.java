package io.edgeauth.broker.testsupport;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * A Redis primary, one replica and three Sentinels (quorum 2, primary down after 1 s) of the test's
 * own, on free ports in a temporary directory. Skips the test when Debian's redis-server or
 * redis-sentinel is missing, unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true.
 */
public final class RedisSentinels implements AutoCloseable {
    public static final String MASTER = "mymaster";
    private final Path dir;
    private final Path server;
    private final Path sentinel;
    private final List<Process> sentinels = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();
    private Process primary;
    private Process replica;
    private int primaryPort;
    private int replicaPort;

    private RedisSentinels(Path dir, Path server, Path sentinel) {
        this.dir = dir;
        this.server = server;
        this.sentinel = sentinel;
    }

    public static RedisSentinels start(Path dir) throws IOException, InterruptedException {
        Optional<Path> server = RedisServer.binary();
        Optional<Path> sentinel = server.map(p -> p.resolveSibling("redis-sentinel")).filter(Files::isExecutable);
        if (sentinel.isEmpty() && "true".equals(System.getenv("EDGEAUTH_REQUIRE_INTEROP_TOOLS"))) {
            throw new IllegalStateException("EDGEAUTH_REQUIRE_INTEROP_TOOLS=true but redis-server/redis-sentinel are missing");
        }
        Assumptions.assumeTrue(sentinel.isPresent(), "redis-sentinel not installed: install Debian's redis-sentinel");
        RedisSentinels set = new RedisSentinels(dir, server.get(), sentinel.get());
        try {
            set.launch();
        } catch (IOException | RuntimeException e) {
            set.close();
            throw e;
        }
        return set;
    }

    private void launch() throws IOException {
        primaryPort = FreePorts.tcp();
        replicaPort = FreePorts.tcp();
        primary = redis("primary", primaryPort, List.of());
        replica = redis("replica", replicaPort, List.of("--replicaof", "127.0.0.1", Integer.toString(primaryPort)));
        for (int i = 0; i < 3; i++) {
            int port = FreePorts.tcp();
            Path conf = dir.resolve("sentinel-" + i + ".conf");
            Files.writeString(conf, String.join("\n", "port " + port, "bind 127.0.0.1", "daemonize no",
                    "dir " + dir, "sentinel monitor " + MASTER + " 127.0.0.1 " + primaryPort + " 2",
                    "sentinel down-after-milliseconds " + MASTER + " 1000",
                    "sentinel failover-timeout " + MASTER + " 5000", "sentinel parallel-syncs " + MASTER + " 1", ""));
            sentinels.add(start(List.of(sentinel.toString(), conf.toString()), "sentinel-" + i));
            sentinelPorts.add(port);
        }
        // replication up and every Sentinel sees the replica and the other Sentinels; a process that died (a port
        // taken after all) fails at once, and a timeout says what each process logged
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .failFast("a Redis or Sentinel process exited", this::anyExited).until(this::allSeeEachOther);
        } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + logTails(), e);
        }
    }

    private boolean allSeeEachOther() {
        for (int port : sentinelPorts) {
            try (Sentinel s = sentinel(port)) {
                var master = s.connection.sync().master(MASTER);
                if (!"1".equals(master.get("num-slaves")) || !"2".equals(master.get("num-other-sentinels"))) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean anyExited() {
        return !primary.isAlive() || !replica.isAlive() || sentinels.stream().anyMatch(p -> !p.isAlive());
    }

    private String logTails() {
        StringBuilder out = new StringBuilder();
        try (var logs = Files.list(dir)) {
            for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log);
                out.append("--- ").append(log.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()))).append('\n');
            }
        } catch (IOException e) {
            out.append("(logs unreadable: ").append(e).append(')');
        }
        return out.toString();
    }

    private Process redis(String name, int port, List<String> extra) throws IOException {
        Path data = Files.createDirectories(dir.resolve(name));
        List<String> cmd = new ArrayList<>(List.of(server.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", data.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"));
        cmd.addAll(extra);
        Process p = start(cmd, name);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> ping(port));
        return p;
    }

    private Process start(List<String> cmd, String name) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
    }

    /** {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3#mymaster} */
    public String uri() {
        return "redis-sentinel://" + sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
                + "#" + MASTER;
    }

    public int primaryPort() {
        return primaryPort;
    }

    public int replicaPort() {
        return replicaPort;
    }

    /** The primary's port as the first Sentinel tells it now. */
    public int currentPrimaryPort() {
        try (Sentinel s = sentinel(sentinelPorts.get(0))) {
            SocketAddress address = s.connection.sync().getMasterAddrByName(MASTER);
            return ((InetSocketAddress) address).getPort();
        }
    }

    /** Blocks until the replica has every write the primary acknowledged so far (WAIT 1); true if it has. */
    public boolean replicated() {
        try (RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", primaryPort))) {
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                return c.sync().waitForReplication(1, 5000) >= 1;
            }
        }
    }

    /** Kills the primary with SIGKILL (no shutdown, nothing more written). */
    public void killPrimary() throws InterruptedException {
        primary.destroyForcibly();
        primary.waitFor(20, TimeUnit.SECONDS);
    }

    private boolean ping(int port) {
        try (RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port))) {
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                return "PONG".equals(c.sync().ping());
            }
        }
    }

    private record Sentinel(RedisClient client, StatefulRedisSentinelConnection<String, String> connection)
            implements AutoCloseable {
        @Override
        public void close() {
            connection.close();
            client.close();
        }
    }

    private static Sentinel sentinel(int port) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        try {
            return new Sentinel(client, client.connectSentinel());
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }


    @Override
    public void close() throws InterruptedException {
        List<Process> all = new ArrayList<>(sentinels);
        all.add(replica);
        all.add(primary);
        for (Process p : all) {
            if (p != null && p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
        }
    }
}
