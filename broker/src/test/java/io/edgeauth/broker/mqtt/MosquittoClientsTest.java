package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Debian's mosquitto_pub / mosquitto_sub as outside clients (skipped when they are not installed). */
class MosquittoClientsTest {
    private EdgeFixture fx;

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(onPath("mosquitto_pub") && onPath("mosquitto_sub"),
                "mosquitto_pub/mosquitto_sub not on PATH: install Debian's mosquitto-clients to run this test");
        fx = new EdgeFixture(MqttSettings.plain(0));
    }

    @AfterEach
    void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private Process run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String finish(Process p) throws Exception {
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("process finished").isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    void publishAndSubscribe(String version) throws Exception {
        String port = Integer.toString(fx.port());
        Process sub = run("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", version, "-i", "app", "-u", "app",
                "-P", "app|t|60|sub:d/dev1/up/#", "-t", "d/dev1/up/#", "-q", "1", "-C", "1", "-W", "15");
        await().until(() -> {
            MqttSessionState s = fx.edge.sessions.get("t\u0000app");
            return s != null && !s.subscriptions.isEmpty();
        });
        Process pub = run("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-i", "dev1", "-u", "dev1",
                "-P", token("dev1", "t", 60), "-t", "d/dev1/up/temp", "-m", "hello from mosquitto", "-q", "1");
        finish(pub);
        assertThat(pub.exitValue()).isZero();
        assertThat(finish(sub)).contains("hello from mosquitto");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    void refusedToken(String version) throws Exception {
        Process pub = run("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(fx.port()), "-V", version,
                "-i", "dev1", "-u", "dev1", "-P", "reject:revoked", "-t", "d/dev1/up/t", "-m", "x");
        String out = finish(pub).toLowerCase();
        assertThat(pub.exitValue()).isNotZero();
        assertThat(out).contains("not authori");
    }

    /** MQTT 5 message properties set by mosquitto_pub reach mosquitto_sub (its -F format prints them). */
    @Test
    void messagePropertiesPassBetweenMosquittoClients() throws Exception {
        String port = Integer.toString(fx.port());
        Process sub = run("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", "mqttv5", "-i", "app", "-u", "app",
                "-P", "app|t|60|sub:d/dev1/up/#", "-t", "d/dev1/up/#", "-q", "1", "-C", "1", "-W", "15",
                "-F", "ct=%C rt=%R cd=%D exp=%E pf=%F %p");
        await().until(() -> {
            MqttSessionState s = fx.edge.sessions.get("t\u0000app");
            return s != null && !s.subscriptions.isEmpty();
        });
        Process pub = run("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-V", "mqttv5", "-i", "dev1", "-u", "dev1",
                "-P", token("dev1", "t", 60), "-t", "d/dev1/up/reading", "-m", "{\"t\":21}", "-q", "1",
                "-D", "publish", "content-type", "application/json", "-D", "publish", "response-topic", "d/dev1/down/ack",
                "-D", "publish", "correlation-data", "req-42", "-D", "publish", "message-expiry-interval", "600",
                "-D", "publish", "payload-format-indicator", "1");
        finish(pub);
        assertThat(pub.exitValue()).isZero();
        String line = finish(sub);
        assertThat(line).contains("ct=application/json", "rt=d/dev1/down/ack", "cd=req-42", "pf=1", "{\"t\":21}");
        assertThat(line).containsPattern("exp=(59[0-9]|600) ");
    }
}
