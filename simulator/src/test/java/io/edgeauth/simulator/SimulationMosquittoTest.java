package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The simulator end to end without the broker: a JDK HTTP server stands in for the token endpoint and
 * admin API, Debian's mosquitto for the MQTT edge (skipped when mosquitto is not installed).
 */
class SimulationMosquittoTest {
    private static final String TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzaW0ifQ.simulated";

    @TempDir
    Path dir;

    @Test
    void fleetRegistersConnectsAndPublishes() throws Exception {
        Path mosquitto = Path.of("/usr/sbin/mosquitto");
        Path passwd = Path.of("/usr/bin/mosquitto_passwd");
        assumeTrue(Files.isExecutable(mosquitto) && Files.isExecutable(passwd), "mosquitto is not installed");
        int devices = 4;
        Path pw = dir.resolve("passwd");
        Files.createFile(pw);
        for (int i = 0; i < devices; i++) {
            assertThat(new ProcessBuilder(passwd.toString(), "-b", pw.toString(), "sim-" + i, TOKEN).start().waitFor()).isZero();
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.write(dir.resolve("m.conf"), List.of("listener " + port + " 127.0.0.1", "allow_anonymous false",
                "password_file " + pw, "persistence false", "user " + System.getProperty("user.name")));
        Process broker = new ProcessBuilder(mosquitto.toString(), "-c", dir.resolve("m.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("m.log").toFile()).start();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ConcurrentLinkedQueue<String> registrations = new ConcurrentLinkedQueue<>();
        http.createContext("/admin/devices", ex -> {
            registrations.add(ex.getRequestHeaders().getFirst("Authorization") + " " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(201, -1);
            ex.close();
        });
        http.createContext("/oauth/token", ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] body = ("{\"access_token\":\"" + TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":600}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            int code = new CommandLine(new SimulatorCli(new PrintStream(buffer, true, StandardCharsets.UTF_8))).execute(
                    "--broker-url", "http://127.0.0.1:" + http.getAddress().getPort(), "--mqtt", "127.0.0.1:" + port,
                    "--admin-credential", "admin-secret", "--devices", String.valueOf(devices), "--connect-rate", "20",
                    "--rate", "20", "--duration", "2s", "--progress-interval", "1s", "--payload-bytes", "32", "--no-enhanced-auth");
            String out = buffer.toString(StandardCharsets.UTF_8);
            System.out.println(out);
            assertThat(code).as(out).isZero();
            String summary = out.lines().filter(l -> l.startsWith("summary:")).findFirst().orElseThrow();
            assertThat(summary).as(out).startsWith("summary: devices=4 connected=4 failed=0 dropped=0 sent=");
            long acked = Long.parseLong(summary.replaceAll(".* acked=(\\d+) .*", "$1"));
            assertThat(acked).isGreaterThan(40); // 4 devices x 20 msg/s for most of 2 s
            assertThat(summary).contains("publish_failed=0 ").doesNotContain("p50=-");
            List<String> regs = new ArrayList<>(registrations);
            assertThat(regs).hasSize(devices).allMatch(r -> r.startsWith("Bearer admin-secret {\"id\":\"sim-")
                    && r.contains("\"tenant\":\"default\"") && r.contains("\"jwk\":{") && !r.contains("\"d\":"));
        } finally {
            http.stop(0);
            broker.destroy();
            broker.waitFor();
        }
    }
}
