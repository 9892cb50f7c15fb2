package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SimulatorCliTest {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    private SimulationConfig parse(String... args) {
        SimulatorCli cli = new SimulatorCli(out);
        new CommandLine(cli).parseArgs(args);
        return cli.config();
    }

    @Test
    void optionsBecomeAConfig() {
        SimulationConfig c = parse("--broker-url", "http://b:8080", "--mqtt", "b:1884", "--admin-credential", "adm",
                "--devices", "1000000", "--rate", "0.5", "--duration", "10m", "--payload-bytes", "200", "--qos", "0",
                "--connect-rate", "5000", "--token-format", "CWT", "--mqtt-version", "3.1.1", "--no-enhanced-auth");
        assertThat(c.brokerUrl().toString()).isEqualTo("http://b:8080");
        assertThat(c.mqttHost()).isEqualTo("b");
        assertThat(c.mqttPort()).isEqualTo(1884);
        assertThat(c.adminCredential()).isEqualTo("adm");
        assertThat(c.shape()).isEqualTo(new LoadShape(1_000_000, 5000, 0.5));
        assertThat(c.shape().rampDuration()).isEqualTo(Duration.ofNanos(199_999_800_000L));
        assertThat(c.duration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.payloadBytes()).isEqualTo(200);
        assertThat(c.qos()).isZero();
        assertThat(c.tokenFormat()).isEqualTo(TokenFormat.CWT);
        assertThat(c.mqttVersion()).isEqualTo(DeviceMqttClient.MqttVersion.MQTT_3_1_1);
        assertThat(c.enhancedAuth()).isFalse();
        assertThat(c.deviceId(7)).isEqualTo("sim-7");
    }

    @Test
    void defaultsAndDurations() {
        SimulationConfig c = parse("--broker-url", "http://localhost:8080");
        assertThat(c.mqttHost()).isEqualTo("localhost");
        assertThat(c.mqttPort()).isEqualTo(1883);
        assertThat(c.adminCredential()).isNull();
        assertThat(c.duration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.qos()).isEqualTo(1);
        assertThat(c.tokenFormat()).isEqualTo(TokenFormat.JWT);
        assertThat(c.mqttVersion()).isEqualTo(DeviceMqttClient.MqttVersion.MQTT_5);
        assertThat(c.enhancedAuth()).isTrue();
        SimulatorCli.DurationConverter d = new SimulatorCli.DurationConverter();
        assertThat(d.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(d.convert("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(d.convert("PT90S")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void badOptionsExitWith2() {
        int code = new CommandLine(new SimulatorCli(out)).execute("--broker-url", "http://x", "--mqtt", "nohost");
        assertThat(code).isEqualTo(2);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("--mqtt must be host:port");
        assertThat(new CommandLine(new SimulatorCli(out)).execute("--broker-url", "http://x", "--qos", "3")).isEqualTo(2);
        assertThat(new CommandLine(new SimulatorCli(out)).execute("--broker-url", "http://x", "--token-format", "xml")).isEqualTo(2);
    }

    @Test
    void unreachableBrokerIsCountedByReasonAndSummarised() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        int code = new CommandLine(new SimulatorCli(out)).execute("--broker-url", "http://127.0.0.1:" + dead,
                "--mqtt", "127.0.0.1:" + dead, "--devices", "3", "--connect-rate", "0", "--duration", "1500ms",
                "--progress-interval", "500ms");
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(1);
        String summary = text.lines().filter(l -> l.startsWith("summary:")).findFirst().orElseThrow();
        assertThat(summary).startsWith("summary: devices=3 connected=0 failed=3 {token:transport=3} dropped=0 sent=0 acked=0");
        assertThat(text.lines().filter(l -> l.startsWith("["))).isNotEmpty();
    }
}
