package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code import} and {@code run} take the admin credential from {@code EDGEAUTH_ADMIN}, as the broker's CLI does, so
 * the README's tour need not put it in the command line, where every local user reads it in {@code ps} (tour AA, AA3).
 */
class AdminCredentialFromEnvironmentTest {
    @Test
    void importTakesTheCredentialFromTheEnvironment() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SimulatorCli.class.getName(), "import",
                "--broker-url", "http://127.0.0.1:1", "--devices", "1").redirectErrorStream(true);
        pb.environment().put("EDGEAUTH_ADMIN", "ea_admin_from_env");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("it tried the broker (nothing listens there)").doesNotContain("--admin-credential")
                .doesNotContain("ea_admin_from_env");
        assertThat(p.exitValue()).as(out).isNotZero();

        ProcessBuilder none = new ProcessBuilder(pb.command()).redirectErrorStream(true);
        none.environment().remove("EDGEAUTH_ADMIN");
        Process q = none.start();
        String without = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(q.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(without).contains("--admin-credential").contains("EDGEAUTH_ADMIN");
        assertThat(q.exitValue()).isEqualTo(SimulatorCli.USAGE);
        assertThat(List.of(out, without)).noneMatch(s -> s.contains("\tat "));
    }
}
