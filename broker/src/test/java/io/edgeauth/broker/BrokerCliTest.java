package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BrokerCliTest {
    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) { }

    private static Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new BrokerCli()).execute(args);
            return new Result(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void printsTheDocumentedDefaults() {
        Result r = run("config", "defaults");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("maxLifetime: 10m").contains("geohash:").contains("connectionGuard:");
    }

    @Test
    void coversACircleWithCells() {
        Result r = run("geo", "cover", "--lat", "52.52", "--lon", "13.405", "--radius", "5000", "--max-cells", "16");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\"region\":[").contains("u33d");
        Result bad = run("geo", "cover", "--lat", "95", "--lon", "0", "--radius", "5");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("latitude");
    }

    @Test
    void aBadConfigStopsStartUpNamingTheKey() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "dataDir: " + dir + "\nhttp:\n  port: 99999\n");
        Result r = run("run", "--config", cfg.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("http.port").contains("0-65535");
    }
}
