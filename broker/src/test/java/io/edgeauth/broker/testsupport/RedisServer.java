package io.edgeauth.broker.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import io.edgeauth.broker.store.redis.RedisSettings;
import io.edgeauth.broker.store.redis.RedisStore;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@code redis-server} of the test's own, on a free port in a temporary directory, with an
 * append-only file fsynced on every write so {@link #restart} keeps the data (as production must).
 * Skips the test when Debian's redis-server is not installed, unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true.
 */
public final class RedisServer implements AutoCloseable {
    private final Path binary;
    private final Path dir;
    private final int port;
    private Process process;

    private RedisServer(Path binary, Path dir, int port) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
    }

    /** Starts one in {@code dir} (skips the calling test when redis-server is missing). */
    public static RedisServer start(Path dir) throws IOException {
        Path binary = binary().orElse(null);
        if (binary == null && "true".equals(System.getenv("EDGEAUTH_REQUIRE_INTEROP_TOOLS"))) {
            throw new IllegalStateException("EDGEAUTH_REQUIRE_INTEROP_TOOLS=true but redis-server is not on PATH");
        }
        Assumptions.assumeTrue(binary != null, "redis-server not on PATH: install Debian's redis-server to run this test");
        RedisServer server = new RedisServer(binary, dir, FreePorts.tcp());
        server.launch();
        return server;
    }

    public static Optional<Path> binary() {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/sbin";
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "redis-server"))) {
                return Optional.of(Path.of(d, "redis-server"));
            }
        }
        return Optional.empty();
    }

    /**
     * Environment for a broker node on this server: {@code store.type redis}, the URI, and the
     * key-encryption key file every node shares ({@code kek} in this server's directory), and one issuer
     * and audience for all nodes.
     */
    public Map<String, String> brokerEnv(String uri) throws IOException {
        return brokerEnv(dir, uri);
    }

    /** {@link #brokerEnv(String)} for any Redis URI, the key-encryption key file kept in {@code kekDir}. */
    public static Map<String, String> brokerEnv(Path kekDir, String uri) throws IOException {
        Path kek = kekDir.resolve("kek");
        if (!Files.exists(kek)) {
            byte[] raw = new byte[32];
            new java.security.SecureRandom().nextBytes(raw);
            Files.writeString(kek, java.util.Base64.getEncoder().encodeToString(raw));
            Files.setPosixFilePermissions(kek, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        Map<String, String> env = new HashMap<>();
        env.put("EDGEAUTH_STORE_TYPE", "redis");
        env.put("EDGEAUTH_STORE_REDIS_URI", uri);
        env.put("EDGEAUTH_STORE_KEY_ENCRYPTION_KEY_FILE", kek.toString());
        // the nodes listen on their own ports; they agree on the issuer and the audience
        env.put("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"issuer\":\"https://edge.test\"}]");
        env.put("EDGEAUTH_TOKENS_AUDIENCES", "[\"edgeauth\"]");
        return env;
    }

    /** A {@link RedisStore} on this server as a broker node would open it (2 s timeout, streams of 1000). */
    public RedisStore connectStore() {
        return RedisStore.connect(new RedisSettings(uri(), "", "", null, Duration.ofSeconds(2), 1000),
                java.time.Clock.systemUTC(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Stops the server (SIGTERM: it finishes its append-only file) and waits until it is gone. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /** Stalls it (SIGSTOP), as a hung or partitioned Redis: connections stay open, commands go unanswered. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Resumes a {@link #freeze frozen} server (SIGCONT): it then runs the commands it received meanwhile. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /** Starts it again on the same port and directory (the data comes back from the append-only file). */
    public void restart() throws IOException {
        launch();
    }

    /**
     * Stops it and starts it again on the same port with its data gone, as a restart of a Redis without
     * persistence: its append-only file and any snapshot are deleted in between.
     */
    public void restartEmpty() throws IOException, InterruptedException {
        stop();
        for (Path p : List.of(dir.resolve("appendonlydir"), dir.resolve("dump.rdb"))) {
            if (Files.isDirectory(p)) {
                try (var files = Files.list(p)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
            }
            Files.deleteIfExists(p);
        }
        launch();
    }

    /** Sends one command in RESP and returns the first reply line (e.g. "+OK", ":1"). */
    public String command(String... args) throws IOException {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(b.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    private void launch() throws IOException {
        List<String> cmd = List.of(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString());
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.out").toFile())).start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> command("PING").equals("+PONG"));
    }


    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
