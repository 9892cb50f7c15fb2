package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.report.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that accepts connections and answers nothing (hung, or a wrong port that swallows traffic): every device
 * times out, which {@code --stop-after-unreachable} did not count (an overloaded broker gives timeouts too), so the run
 * went on starting the whole fleet. It stops once that many devices in a row timed out while no device got an answer.
 */
class BrokerSilentRunTest {
    @TempDir
    Path dir;

    @Test
    void theRunStopsStartingDevicesAgainstABrokerThatAnswersNothing() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // kept open, never read nor answered
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-broker");
            acceptor.setDaemon(true);
            acceptor.start();
            String address = "127.0.0.1:" + silent.getLocalPort();
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            // tokens signed here and no registration: the MQTT CONNECT is the only step that asks the broker
            int code = SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute("run",
                    "--broker-url", "http://" + address, "--mqtt", address, "--token-source", "issuer",
                    "--onboarding", "none", "--devices", "300", "--arrival-rate", "1000", "--concurrency", "10",
                    "--connect-timeout", "1s", "--stop-after-unreachable", "5", "--no-metrics", "--drain", "1s",
                    "--max-duration", "60s", "--out", dir.toString());
            String text = buffer.toString(StandardCharsets.UTF_8);
            System.out.println(text);
            assertThat(code).as(text).isEqualTo(SimulatorCli.FAILED);
            RunResult r = RunResult.read(dir.resolve("run.json"));
            Map<String, Long> failures = r.failures();
            long timedOut = failures.getOrDefault("connect:connack_timeout", 0L);
            long unstarted = failures.getOrDefault("unfinished:not_started_broker_silent", 0L);
            // at most the 10 open sessions and the slots the first 5 timeouts freed were started: bounded by counts
            assertThat(timedOut).as(text).isBetween(5L, 30L);
            assertThat(r.totals().sessions()).isEqualTo(timedOut);
            assertThat(unstarted).isEqualTo(300 - timedOut);
            assertThat(failures).containsOnlyKeys("connect:connack_timeout", "unfinished:not_started_broker_silent");
            assertThat(text).containsOnlyOnce("broker silent: 5 devices in a row timed out")
                    .contains("no further device is started (--stop-after-unreachable)");
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
