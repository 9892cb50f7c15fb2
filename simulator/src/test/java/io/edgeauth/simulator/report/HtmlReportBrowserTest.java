package io.edgeauth.simulator.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report page as a browser shows it: headless Chromium renders it, and the charts are there. */
class HtmlReportBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;

    /** A run of {@code seconds} with rates around {@code rate}, latencies, a few errors and broker samples. */
    static RunResult sample(int seconds, double rate, boolean ok) {
        List<RunResult.SecondPoint> series = new ArrayList<>();
        List<RunResult.BrokerSample> broker = new ArrayList<>();
        Histogram h = Histograms.empty();
        for (int t = 1; t <= seconds; t++) {
            long n = (long) (rate * (1 + 0.2 * Math.sin(t / 3.0)));
            for (int i = 0; i < 50; i++) {
                h.recordValue(1000 + i * 40L + t * 10L);
            }
            series.add(new RunResult.SecondPoint(t, n, n, 3 * n, 3 * n, n / 2, t < 5 ? 10 : 0,
                    t % 7 == 0 ? Map.of("connect:<script>alert(1)</script>", 2L) : Map.of(),
                    Map.of("token", 5.0 + t % 3, "connect", 2.0, "publish", 1.0 + t % 2, "delivery", 1.5),
                    Map.of("token", 20.0 + t % 5, "connect", 9.0, "publish", 4.0 + t % 3, "delivery", 6.0)));
            Map<String, Double> m = new TreeMap<>();
            m.put("edgeauth_mqtt_sessions", (double) n / 2);
            m.put("process_cpu_usage", 0.5 + 0.1 * Math.cos(t));
            broker.add(new RunResult.BrokerSample(t, m));
        }
        Map<String, RunResult.StageStats> stages = new TreeMap<>();
        for (Stage s : Stage.values()) {
            stages.put(s.key(), Histograms.stats(h));
        }
        RunResult.Totals totals = new RunResult.Totals(1000, 1000, 990, 990, 2970, 2970, 2970, 0, 10, 10, 0, 120, 0, 0, 0, 0, 0, 0, 0);
        return new RunResult(RunResult.FORMAT, Map.of("devices", 1000, "scenario", "steady"), List.of("0/1"), "2026-12-03T10:00:00Z",
                seconds, totals, ok ? Map.of() : Map.of("connect:expired", 3L), Map.of("forged",
                new RunResult.ChaosTally("connect:bad_signature", 10, 10, Map.of())), stages, series, broker,
                new RunResult.Verdict(ok, ok ? List.of() : List.of("connect:expired x3")));
    }

    @Test
    void pageIsSelfContainedAndEscapesWhatTheBrokerSent() {
        String html = HtmlReport.render(List.of(sample(30, 200, true)), List.of("run.json"));
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=").doesNotContain("href=")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;").contains("PASS").contains("<polyline");
        assertThat(html.split("<figure class=\"chart\"", -1)).hasSizeGreaterThan(7);
    }

    @Test
    void chromiumRendersTheChartsOfOneRunAndOfAComparison() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed");
        for (boolean compare : new boolean[] {false, true}) {
            List<RunResult> runs = compare ? List.of(sample(40, 300, true), sample(30, 200, false)) : List.of(sample(40, 300, true));
            Path page = dir.resolve(compare ? "compare.html" : "one.html");
            HtmlReport.write(page, runs, compare ? List.of("a.json", "b.json") : List.of("a.json"));
            Path png = dir.resolve(compare ? "compare.png" : "one.png");
            String dom = chromium("--dump-dom", page.toUri().toString());
            assertThat(dom).contains("<svg").contains("QoS 1 messages per second");
            assertThat(dom.split("<polyline class=\"series\"", -1).length - 1).isGreaterThanOrEqualTo(compare ? 20 : 10);
            chromium("--screenshot=" + png, "--window-size=1000,2600", page.toUri().toString());
            Files.copy(png, Path.of("target", png.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            BufferedImage img = ImageIO.read(png.toFile());
            assertThat(img).as("screenshot").isNotNull();
            // the charts' first two colours are on screen, in lines (many pixels), not only in a legend swatch
            assertThat(pixelsNear(img, 0x1f77b4)).as("blue series pixels").isGreaterThan(1500);
            assertThat(pixelsNear(img, 0xd62728)).as("red series pixels").isGreaterThan(500);
        }
    }

    private String chromium(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--user-data-dir=" + dir.resolve("profile")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("chromium.log").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static int pixelsNear(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) < 40 && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) < 40
                        && Math.abs((p & 0xff) - (rgb & 0xff)) < 40) {
                    n++;
                }
            }
        }
        return n;
    }
}
