package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a process writing the audit log: a durable event whose {@code record} returned is in the file, the
 * chain up to the kill is unbroken (a lost tail, never a gap), and a restart continues it, cutting off a line the
 * kill left half written.
 */
class AuditCrashTest {
    @TempDir
    Path dir;

    @Test
    void anAcknowledgedDurableEventSurvivesKillNineAndTheChainContinues() throws Exception {
        Path file = dir.resolve("audit.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AuditCrashChild.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine(); // logback may print its status lines first
            } while (line != null && !line.equals("ACK"));
            assertThat(line).as("the child acknowledged a durable event").isEqualTo("ACK");
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        try (ChainedAuditLog restarted = new ChainedAuditLog(new RollingFileSink(file, "100MB", 0),
                new ChainedAuditLog.Settings("crash", true, 1000), Clock.systemUTC())) {
            restarted.record("device.provisioned", "ok", Map.of("device", "after-restart"));
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).anyMatch(l -> l.contains("\"device\":\"acknowledged-device\""));
        assertThat(lines).filteredOn(l -> l.contains("\"sub\":\"before-")).hasSize(20_000);
        assertThat(lines).filteredOn(l -> l.contains("audit.started")).hasSize(2)
                .last().asString().contains("\"chain\":\"continued\"");
        ChainVerifier.Report r = new ChainVerifier(null).verify(List.of(file));
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
    }

    @Test
    void aLineHalfWrittenByACrashIsCutOffAtRestartAndTheChainContinuesFromTheLastWholeLine() throws Exception {
        Path file = dir.resolve("audit.log");
        runOnce(file, "pump-1");
        String whole = Files.readString(file);
        Files.writeString(file, whole + "{\"ts\":\"2026-12-03T12:00:00Z\",\"node\":\"n1\",\"seq\":3,\"pr");
        runOnce(file, "pump-2");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4).noneMatch(l -> l.contains("\"pr") && !l.contains("\"prev\""));
        assertThat(lines.get(2)).contains("\"chain\":\"continued\"");
        assertThat(new ChainVerifier(null).verify(List.of(file)).firstBreak()).isNull();
    }

    @Test
    void aWholeLastLineWithoutItsLineFeedIsKept() throws Exception {
        Path file = dir.resolve("audit.log");
        runOnce(file, "pump-1");
        Files.writeString(file, Files.readString(file).stripTrailing()); // saved by an editor without the last LF
        runOnce(file, "pump-2");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4).anyMatch(l -> l.contains("pump-1")).anyMatch(l -> l.contains("pump-2"));
        assertThat(new ChainVerifier(null).verify(List.of(file)).firstBreak()).isNull();
    }

    /** A broker run of node n1 on {@code file} that audits one event of {@code sub}. */
    private static void runOnce(Path file, String sub) throws Exception {
        try (ChainedAuditLog log = new ChainedAuditLog(new RollingFileSink(file, "100MB", 0),
                new ChainedAuditLog.Settings("n1", true, 1000), Clock.systemUTC())) {
            log.record("auth.accepted", "ok", Map.of("sub", sub));
        }
    }
}
