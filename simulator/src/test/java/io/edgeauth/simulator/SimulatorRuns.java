package io.edgeauth.simulator;

import io.edgeauth.simulator.report.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the simulator's {@code run} command in this JVM against an {@link InProcessBroker} (tests). */
final class SimulatorRuns {
    private SimulatorRuns() {
    }

    /** The exit code, the printed text, the result and the output directory of one run. */
    record Outcome(int code, String text, RunResult result, Path dir) {
    }

    /** {@code run} with the broker's URL, MQTT address, admin credential and seed, output under {@code dir/prefix}. */
    static Outcome run(InProcessBroker broker, Path dir, String prefix, String... extra) throws Exception {
        return runWithSeed(broker, dir, InProcessBroker.SEED, prefix, extra);
    }

    /** As above with another fleet seed (its keys and PSKs are not the ones the broker derives). */
    static Outcome runWithSeed(InProcessBroker broker, Path dir, String seed, String prefix, String... extra) throws Exception {
        return runAs(broker, dir, prefix, seed, prefix, extra);
    }

    /** {@code run} of the fleet {@code prefix}, output under {@code dir/outName} (shards of one fleet: one prefix). */
    static Outcome runAs(InProcessBroker broker, Path dir, String outName, String seed, String prefix, String... extra)
            throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        Path out = dir.resolve(outName);
        List<String> args = new ArrayList<>(List.of("run", "--broker-url", broker.url,
                "--admin-credential", broker.admin, "--fleet-seed", seed, "--device-prefix", prefix,
                "--out", out.toString(), "--max-duration", "90s", "--drain", "20s"));
        if (!List.of(extra).contains("--mqtt")) {
            args.addAll(List.of("--mqtt", broker.mqtt()));
        }
        if (!List.of(extra).contains("--connect-timeout")) {
            args.addAll(List.of("--connect-timeout", "60s"));
        }
        args.addAll(List.of(extra));
        int code = SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute(args.toArray(String[]::new));
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        return new Outcome(code, text, RunResult.read(out.resolve("run.json")), out);
    }
}
