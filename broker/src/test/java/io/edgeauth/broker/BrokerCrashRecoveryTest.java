package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the broker as a separate JVM, registers a device and revokes, kills the process with SIGKILL
 * (no shutdown hook, no store close) and shows that a restarted broker still has both in force.
 */
class BrokerCrashRecoveryTest {
    private static final Pattern URL = Pattern.compile("HTTP\\s+(http://\\S+)");
    private static final Pattern ADMIN = Pattern.compile("(ea_admin_[A-Za-z0-9_-]+)");

    @TempDir
    Path dataDir;

    @Test
    void registrationsAndRevocationsSurviveKill9() throws Exception {
        Started first = startBroker();
        Http admin = new Http(first.url, first.admin);
        assertThat(admin.postJson("/admin/devices", "{\"id\":\"crash-dev\",\"x5tS256\":\"" + "Q".repeat(43) + "\"}")
                .statusCode()).isEqualTo(201);
        assertThat(admin.postJson("/admin/revocations", "{\"jti\":\"jti-lost\",\"reason\":\"test\"}").statusCode())
                .isEqualTo(201);
        assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"crash-dev\"}").statusCode()).isEqualTo(201);

        first.process.destroyForcibly(); // SIGKILL on Linux
        assertThat(first.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(first.process.exitValue()).isEqualTo(137);

        Started second = startBroker();
        try {
            assertThat(second.admin).as("the admin credential is kept, not regenerated").isNull();
            Http anon = new Http(second.url, null);
            JsonObject health = new JsonObject(anon.get("/health").body());
            assertThat(health.getInteger("devices")).isEqualTo(1);
            assertThat(health.getInteger("revocations")).isEqualTo(2);
            Http admin2 = new Http(second.url, first.admin);
            assertThat(admin2.get("/admin/devices/crash-dev").statusCode()).isEqualTo(200);
        } finally {
            second.process.destroy();
            second.process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private record Started(Process process, String url, String admin) { }

    private Started startBroker() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                BrokerCli.class.getName(), "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        pb.environment().putAll(TestBrokers.env(dataDir, Map.of("EDGEAUTH_MQTT_PORT", "-1",
                "EDGEAUTH_COAP_PORT", "-1")));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        CompletableFuture<String[]> banner = CompletableFuture.supplyAsync(() -> {
            String url = null;
            String admin = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = URL.matcher(line);
                    if (m.find()) {
                        url = m.group(1);
                    }
                    Matcher a = ADMIN.matcher(line);
                    if (a.find() && admin == null) {
                        admin = a.group(1);
                    }
                    if (line.startsWith("  data")) {
                        // the credential line follows; read one more
                        String next = r.readLine();
                        Matcher a2 = next == null ? null : ADMIN.matcher(next);
                        if (a2 != null && a2.find()) {
                            admin = a2.group(1);
                        }
                        String[] result = {url, admin};
                        drain(r);
                        return result;
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("broker exited before printing its banner");
        });
        String[] got = banner.get(60, TimeUnit.SECONDS);
        return new Started(p, got[0], got[1]);
    }

    private static void drain(BufferedReader r) {
        Thread t = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // keep the pipe empty so the child never blocks on stdout
                }
            } catch (Exception ignored) {
                // process ended
            }
        }, "drain");
        t.setDaemon(true);
        t.start();
    }
}
