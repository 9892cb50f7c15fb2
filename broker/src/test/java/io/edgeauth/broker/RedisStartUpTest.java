package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code store.type: redis} is not a label: a broker that cannot reach the Redis it names says so and
 * exits (before this, it silently opened the embedded store and reported "redis" in /health).
 */
class RedisStartUpTest {
    @TempDir
    Path dir;

    @Test
    void aConfigNamingAnUnreachableRedisRefusesToStart() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path kek = dir.resolve("kek");
        Files.writeString(kek, java.util.Base64.getEncoder().encodeToString(new byte[32]));
        Files.setPosixFilePermissions(kek, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path cfg = dir.resolve("redis.yaml");
        Files.writeString(cfg, "dataDir: " + dir.resolve("data") + "\npublicUrl: https://edge.example\nhttp:\n  port: 0\n  host: 127.0.0.1\n"
                + "mqtt:\n  port: 0\n  host: 127.0.0.1\ncoap:\n  port: -1\n  dtlsPort: -1\n"
                + "store:\n  type: redis\n  redisUri: redis://127.0.0.1:" + closedPort + "\n  redisTimeout: 1s\n"
                + "  keyEncryptionKeyFile: " + kek + "\n");
        PrintStream err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new BrokerCli()).execute("run", "--config", cfg.toString());
        } finally {
            System.setErr(err);
        }
        assertThat(exit).isEqualTo(1);
        assertThat(e.toString(StandardCharsets.UTF_8)).contains("start-up failed")
                .contains("cannot reach Redis at redis://127.0.0.1:" + closedPort);
        assertThat(dir.resolve("data").resolve("state.mv.db")).as("no embedded store behind the user's back").doesNotExist();
    }
}
