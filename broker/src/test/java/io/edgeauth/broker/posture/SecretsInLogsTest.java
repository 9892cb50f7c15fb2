package io.edgeauth.broker.posture;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.IssuedSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After the whole suite (last class: surefire orders classes by {@code @Order}), every log line the broker
 * wrote during this run is scanned for secrets: {@code target/test-logs/} (the test JVM and every broker
 * process a test started, audit events included) and surefire's captured stdout/stderr. Zero allowed.
 */
@Order(Integer.MAX_VALUE) // after the fuzz targets (MAX_VALUE - 1), which run after every plain test
class SecretsInLogsTest {
    private static final Path LOGS = Path.of("target", "test-logs");
    private static final Path SUREFIRE = Path.of("target", "surefire-reports");

    @TempDir
    Path planted;

    @Test
    void noLogLineOfThisRunCarriesATokenKeyOrCredential() throws IOException {
        Instant since = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
        List<Path> files = new ArrayList<>();
        files.addAll(filesOf(LOGS, ".log", since));
        files.addAll(filesOf(SUREFIRE, "-output.txt", since));
        Set<String> secrets = recordedSecrets();
        LogSecretScanner scanner = new LogSecretScanner(secrets);
        List<LogSecretScanner.Finding> findings = new ArrayList<>();
        for (Path f : files) {
            findings.addAll(scanner.scan(f));
        }
        System.out.printf("secrets scan: %d files, %d lines, %d recorded secrets, %d findings%n",
                files.size(), scanner.lines(), secrets.size(), findings.size());
        assertThat(findings).as("log lines that carry a secret").isEmpty();
    }

    /** The scan is not vacuous: each kind of secret planted in a log is found, and a fingerprint is not. */
    @Test
    void findsEachKindOfSecretPlantedInALog() throws IOException {
        String jwt = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJkZXYxIiwiZXhwIjoxNzAwMDAwMDAwfQ."
                + "MEUCIQDx2f0k4yNhZ0G3v9c7r1o2d8w6e5q4t3y2u1i0o9p8a7s6d5";
        String refresh = "rt_Zk3p9Q2mX7vL1sT8wY4bN6cR0dF5gH";
        String checkpoint = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"kid\":\"k1\",\"typ\":\"edgeauth-audit-checkpoint\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8))
                + ".eyJub2RlIjoidm0iLCJzZXEiOjF9.MEUCIQDx2f0k4yNhZ0G3v9c7r1o2d8w6e5q4t3y2u1i0o9p8a7s6d5";
        Path log = Files.writeString(planted.resolve("planted.log"), String.join("\n",
                "12:00:00.000 INFO  [main] ok token fingerprint " + LogSecretScanner.fingerprint(jwt),
                "12:00:00.001 WARN  [main] token " + jwt + " refused",
                "12:00:00.002 INFO  [main] key -----BEGIN EC PRIVATE KEY----- MHcCAQEE...",
                "12:00:00.003 INFO  audit {\"jwk\":{\"kty\":\"EC\",\"d\":\"Yw3l1ng4iKq2t8X0sV9bR6cU5eW7zA1\"}}",
                "12:00:00.004 INFO  [main] refresh=" + refresh,
                "12:00:00.005 INFO  [main] refresh prefix " + refresh.substring(0, 20),
                // an audit checkpoint is a published signature over the chain's head, not a credential
                "12:00:00.006 INFO  audit {\"event\":\"audit.checkpoint\",\"jws\":\"" + checkpoint + "\"}") + "\n",
                StandardCharsets.UTF_8);
        List<LogSecretScanner.Finding> findings = new LogSecretScanner(Set.of(refresh)).scan(log);
        assertThat(findings).extracting(LogSecretScanner.Finding::line).containsExactly(2, 3, 4, 5);
        assertThat(findings.toString()).doesNotContain(jwt, refresh);
    }

    private static Set<String> recordedSecrets() throws IOException {
        Set<String> secrets = new LinkedHashSet<>();
        for (Path f : filesOf(IssuedSecrets.DIR, ".txt", Instant.EPOCH)) {
            secrets.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
        }
        return secrets;
    }

    private static List<Path> filesOf(Path dir, String suffix, Instant since) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).filter(p -> {
                try {
                    return !Files.getLastModifiedTime(p).toInstant().isBefore(since);
                } catch (IOException e) {
                    return true;
                }
            }).sorted().toList();
        }
    }
}
