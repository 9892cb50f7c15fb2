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

/**
 * Tour O, F14: {@code audit verify} of an empty file said "OK: 0 line(s), chain unbroken" and exited 0, so a wiped
 * audit file (or a glob that matched only an empty file) passed a script that checks the exit code.
 */
class AuditVerifyEmptyInputTest {
    @TempDir
    Path dir;

    @Test
    void anInputWithoutAnyAuditLineIsNotVerifiedAndExitsFour() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.log"));
        Path empty2 = Files.createFile(dir.resolve("empty.log.1"));
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        int rcTwo;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new BrokerCli()).execute("audit", "verify", empty.toString());
            rcTwo = new CommandLine(new BrokerCli()).execute("audit", "verify", empty.toString(), empty2.toString());
        } finally {
            System.setOut(old);
        }
        assertThat(rc).isEqualTo(4);
        assertThat(rcTwo).as("two empty files").isEqualTo(4);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("EMPTY: no audit line").doesNotContain("OK:");
    }
}
