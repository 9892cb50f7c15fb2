package io.edgeauth.device;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real MQTT broker for tests: Debian's mosquitto, started on a free loopback port with a password
 * file. Tests that need it are skipped (JUnit assumption) when mosquitto is not installed.
 */
final class Mosquitto implements AutoCloseable {
    private final Process process;
    final int port;
    private final Path dir;

    private Mosquitto(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Sets a user's password in the password file; takes effect after {@link #reload()}. */
    void setPassword(String user, String password) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/mosquitto_passwd", "-b", dir.resolve("passwd").toString(), user, password)
                .redirectErrorStream(true).redirectOutput(dir.resolve("passwd.log").toFile()).start();
        if (p.waitFor() != 0) {
            throw new IOException("mosquitto_passwd failed");
        }
    }

    /** SIGHUP: mosquitto reloads its configuration and password file. */
    void reload() throws Exception {
        new ProcessBuilder("kill", "-HUP", String.valueOf(process.pid())).start().waitFor();
    }

    /** mosquitto's log so far. */
    String log() throws IOException {
        return Files.readString(dir.resolve("mosquitto.log"));
    }

    static Optional<Path> executable() {
        return Stream.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/local/bin/mosquitto")
                .map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /** Starts mosquitto with these username/password pairs (anonymous refused); skips the test if not installed. */
    static Mosquitto start(Path dir, Map<String, String> users) throws Exception {
        return start(dir, users, false);
    }

    /** As {@link #start(Path, Map)}; with {@code anonymous} any client and password is accepted. */
    static Mosquitto start(Path dir, Map<String, String> users, boolean anonymous) throws Exception {
        Optional<Path> exe = executable();
        Path passwd = Path.of("/usr/bin/mosquitto_passwd");
        assumeTrue(exe.isPresent() && Files.isExecutable(passwd), "mosquitto is not installed");
        Path pwFile = dir.resolve("passwd");
        Files.createFile(pwFile);
        for (Map.Entry<String, String> u : users.entrySet()) {
            Process p = new ProcessBuilder(passwd.toString(), "-b", pwFile.toString(), u.getKey(), u.getValue())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("passwd.log").toFile()).start();
            if (p.waitFor() != 0) {
                throw new IOException("mosquitto_passwd failed: " + Files.readString(dir.resolve("passwd.log")));
            }
        }
        int port;
        // mosquitto cannot report an ephemeral port, so take a free one from the OS and hand it over
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("mosquitto.conf");
        Files.write(conf, List.of(
                "listener " + port + " 127.0.0.1",
                "allow_anonymous " + anonymous,
                anonymous ? "" : "password_file " + pwFile,
                "persistence false",
                "user " + System.getProperty("user.name")));
        Process process = new ProcessBuilder(exe.get().toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        Mosquitto m = new Mosquitto(process, port, dir);
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
                if (!process.isAlive()) {
                    throw new IOException("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.log")));
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
