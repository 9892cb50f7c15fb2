package io.edgeauth.simulator;

import io.edgeauth.simulator.report.HtmlReport;
import io.edgeauth.simulator.report.ResultMerger;
import io.edgeauth.simulator.report.RunResult;
import io.edgeauth.simulator.report.Verdicts;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code merge}: the shard results of one fleet into one result (JSON and HTML). */
@Command(name = "merge", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Combine the run.json files of a fleet's shards.")
final class MergeCommand implements Callable<Integer> {
    private final PrintStream out;

    @Parameters(arity = "1..*", description = "shard results (run.json)")
    List<Path> inputs;
    @Option(names = {"-o", "--out"}, defaultValue = "sim-merged", description = "directory for run.json and report.html")
    Path outDir;

    MergeCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        List<RunResult> results = new ArrayList<>();
        for (Path p : inputs) {
            results.add(RunResult.read(p));
        }
        RunResult merged = ResultMerger.merge(results);
        Path json = outDir.resolve("run.json");
        merged.write(json);
        HtmlReport.write(outDir.resolve("report.html"), List.of(merged), List.of("merged " + merged.shards()));
        out.println(Verdicts.summaryLine(merged));
        return merged.verdict().ok() ? 0 : SimulatorCli.FAILED;
    }
}
