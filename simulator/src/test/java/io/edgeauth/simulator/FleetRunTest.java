package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.report.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small fleets through the whole flow against a real broker in this JVM, one scenario per test. */
class FleetRunTest {
    @TempDir
    static Path dir;
    static InProcessBroker broker;
    /** Short enough for expired-token devices and renewals to happen within a test, long enough for a loaded machine. */
    static final String TOKEN_LIFETIME = "15s";

    @BeforeAll
    static void start() throws Exception {
        broker = new InProcessBroker(dir, Map.of("EDGEAUTH_TOKENS_DEFAULT_LIFETIME", TOKEN_LIFETIME));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Outcome run(String prefix, String... extra) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        Path out = dir.resolve(prefix);
        List<String> args = new ArrayList<>(List.of("run", "--broker-url", broker.url, "--mqtt", broker.mqtt(),
                "--admin-credential", broker.admin, "--fleet-seed", InProcessBroker.SEED, "--device-prefix", prefix,
                "--out", out.toString(), "--max-duration", "60s", "--drain", "10s"));
        args.addAll(List.of(extra));
        int code = SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute(args.toArray(String[]::new));
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        return new Outcome(code, text, RunResult.read(out.resolve("run.json")), out);
    }

    record Outcome(int code, String text, RunResult result, Path dir) {
    }

    @Test
    void steadyFleetWithEveryChaosKindPassesAndEveryMessageIsDelivered() throws Exception {
        Outcome o = run("steady", "--devices", "200", "--arrival-rate", "50", "--concurrency", "50", "--messages", "3",
                "--observer", "--chaos-share", "0.1", "--chaos-kinds", "expired,revoked,wrong-tenant,forged,replayed",
                "--other-tenant", "other", "--expired-wait", "1s", "--local-addrs", "4");
        RunResult.Totals t = o.result().totals();
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.result().verdict().ok()).isTrue();
        assertThat(t.devices()).isEqualTo(200);
        assertThat(t.chaosDevices()).isBetween(8L, 40L);
        assertThat(t.chaosRefused()).isEqualTo(t.chaosDevices());
        assertThat(o.result().chaos()).containsOnlyKeys("expired", "revoked", "wrong-tenant", "forged", "replayed");
        assertThat(o.result().chaos().get("forged").expected()).isEqualTo("connect:bad_signature");
        long honest = 200 - t.chaosDevices();
        assertThat(t.honestAccepted()).isEqualTo(honest);
        assertThat(t.honestCompleted()).isEqualTo(honest);
        assertThat(t.published()).isEqualTo(3 * honest);
        assertThat(t.acked()).isEqualTo(3 * honest);
        assertThat(t.delivered()).isEqualTo(3 * honest);
        assertThat(o.result().failures()).isEmpty();
        assertThat(o.text()).contains("summary: PASS devices=200");
    }
}
