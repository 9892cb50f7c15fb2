package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.report.RunResult;
import io.edgeauth.simulator.run.FleetRun;
import io.edgeauth.simulator.run.RunSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The restart scenario against a broker in this JVM that is closed and started again (same ports, same data
 * directory) while a mixed MQTT and CoAP/DTLS fleet holds its sessions: every device must come back and get one more
 * message through to the observer; a broker that does not come back fails the run.
 */
class BrokerRestartRunTest {
    @TempDir
    Path dir;
    private volatile InProcessBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Fixed free ports, so the restarted broker is where the devices left it. */
    private static Map<String, String> fixedPorts() throws IOException {
        try (ServerSocket http = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket mqtt = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             DatagramSocket coap = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket coaps = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(http.getLocalPort()),
                    "EDGEAUTH_MQTT_PORT", Integer.toString(mqtt.getLocalPort()),
                    "EDGEAUTH_COAP_PORT", Integer.toString(coap.getLocalPort()),
                    "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(coaps.getLocalPort()));
        }
    }

    private RunResult run(FleetRun.BrokerRestart restart, StringBuilder text, String prefix, String... extra) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        RunCommand cmd = new RunCommand(out);
        List<String> args = new ArrayList<>(List.of("--broker-url", broker.url, "--mqtt", broker.mqtt(),
                "--admin-credential", broker.admin, "--fleet-seed", InProcessBroker.SEED, "--device-prefix", prefix,
                "--scenario", "restart", "--hold", "40s", "--restart-at", "2s", "--connect-timeout", "10s", "--drain", "20s",
                "--max-duration", "90s", "--observer", "--no-metrics"));
        args.addAll(List.of(extra));
        int protocol = args.indexOf("--protocol");
        if (protocol < 0 || args.get(protocol + 1).contains("coap")) { // --coap without CoAP devices is refused
            args.addAll(List.of("--coap", broker.coaps()));
        }
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        RunSettings settings = cmd.settings();
        RunResult result = new FleetRun(settings, out, restart).run();
        text.append(buffer.toString(StandardCharsets.UTF_8));
        System.out.println(text);
        return result;
    }

    @Test
    void everyMqttAndCoapDeviceComesBackAfterTheBrokerRestarts() throws Exception {
        RunResult r = restartUnderAMixedFleet(fixedPorts(), "restart");
        long coapDevices = r.stages().get("coap_post").count() / 2;
        assertThat(r.stages().get("handshake").count()).as("the broker kept the DTLS sessions: no second handshake")
                .isEqualTo(coapDevices);
    }

    @Test
    void coapDevicesHandshakeAgainWhenTheBrokerDidNotKeepTheirSessions() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(fixedPorts());
        env.put("EDGEAUTH_COAP_KEEP_DTLS_SESSIONS", "false");
        RunResult r = restartUnderAMixedFleet(env, "lost");
        long coapDevices = r.stages().get("coap_post").count() / 2;
        assertThat(r.stages().get("handshake").count()).as("each CoAP device made a second handshake")
                .isEqualTo(2 * coapDevices);
    }

    private RunResult restartUnderAMixedFleet(Map<String, String> env, String prefix) throws Exception {
        broker = new InProcessBroker(dir, env);
        StringBuilder text = new StringBuilder();
        RunResult r = run(() -> {
            broker.close();
            broker = new InProcessBroker(dir, env);
        }, text, prefix, "--protocol", "mqtt=1,coap=1", "--coap-security", "psk", "--coap-observe", "--devices", "20",
                "--arrival-rate", "20", "--concurrency", "20", "--restart-window", "60s", "--local-addrs", "3");
        RunResult.Totals t = r.totals();
        assertThat(r.verdict().ok()).as(text.toString()).isTrue();
        assertThat(text).contains("broker restart: restarting the broker").contains("broker restart: done in");
        assertThat(t.restartDropped()).isEqualTo(20);
        assertThat(t.restartBack()).isEqualTo(20);
        assertThat(r.stages().get("reconnect").count()).isEqualTo(20);
        assertThat(t.published()).isEqualTo(40); // one before the restart and one after, each device
        assertThat(t.delivered()).isEqualTo(40); // the persistent observer lost nothing across the restart
        long mqtt = r.stages().get("publish").count();
        long coap = r.stages().get("coap_post").count();
        assertThat(mqtt).isPositive();
        assertThat(coap).isPositive();
        assertThat(r.stages().get("connect").count()).isEqualTo(mqtt); // MQTT devices connected twice
        assertThat(r.stages().get("authz").count()).isEqualTo(coap); // CoAP devices uploaded a token twice
        assertThat(r.failures()).isEmpty();
        return r;
    }

    @Test
    void aBrokerThatDoesNotComeBackFailsTheRun() throws Exception {
        broker = new InProcessBroker(dir, fixedPorts());
        StringBuilder text = new StringBuilder();
        RunResult r = run(() -> broker.close(), text, "gone", "--protocol", "mqtt", "--devices", "10", "--arrival-rate", "20",
                "--restart-window", "4s");
        broker = null;
        assertThat(r.verdict().ok()).isFalse();
        assertThat(r.failures()).containsEntry("restart:not_back", 10L);
        assertThat(r.totals().restartDropped()).isEqualTo(10);
        assertThat(r.totals().restartBack()).isZero();
    }
}
