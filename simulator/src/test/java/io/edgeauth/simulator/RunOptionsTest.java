package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Run options refused or noted at the start, before any device fails for them (tour N, N14, N15). */
class RunOptionsTest {

    /** --mqtt/--coap take host:port; a URL was taken as a host name (N14). */
    @Test
    void aUrlIsRefusedSayingWhatToWrite() {
        assertThatThrownBy(() -> RunCommand.hostPort("--mqtt", "tcp://127.0.0.1:1883"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--mqtt").hasMessageContaining("127.0.0.1:1883");
        assertThat(RunCommand.hostPort("--mqtt", "127.0.0.1:1883").getPort()).isEqualTo(1883);
    }

    /** tour N, N15: forgetting --admin-credential with the default --onboarding auto registered nothing, silently. */
    @Test
    void autoOnboardingWithoutACredentialSaysSoAtTheStart() {
        java.io.PrintStream out = new java.io.PrintStream(new java.io.ByteArrayOutputStream());
        RunCommand without = new RunCommand(out);
        new picocli.CommandLine(without).parseArgs("--broker-url", "http://127.0.0.1:1");
        assertThat(without.onboardingNote()).contains("--admin-credential").contains("not registered");
        RunCommand with = new RunCommand(out);
        new picocli.CommandLine(with).parseArgs("--broker-url", "http://127.0.0.1:1", "--admin-credential", "x");
        assertThat(with.onboardingNote()).isNull();
        RunCommand none = new RunCommand(out);
        new picocli.CommandLine(none).parseArgs("--broker-url", "http://127.0.0.1:1", "--onboarding", "none");
        assertThat(none.onboardingNote()).isNull();
    }
}
