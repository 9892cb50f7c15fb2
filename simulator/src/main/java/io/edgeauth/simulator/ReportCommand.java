package io.edgeauth.simulator;

import io.edgeauth.simulator.report.HtmlReport;
import io.edgeauth.simulator.report.RunResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code report A.json [B.json]}: renders one run again, or two side by side. */
@Command(name = "report", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Render a run.json as HTML, or compare two.")
final class ReportCommand implements Callable<Integer> {
    private final PrintStream out;

    @Parameters(arity = "1..2", description = "one run.json, or two to compare")
    List<Path> inputs;
    @Option(names = {"-o", "--out"}, defaultValue = "report.html", description = "the HTML file to write")
    Path html;

    ReportCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        List<RunResult> results = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path p : inputs) {
            results.add(RunResult.read(p));
            names.add(p.toString());
        }
        HtmlReport.write(html, results, names);
        out.println("report: " + html.toAbsolutePath());
        return 0;
    }
}
