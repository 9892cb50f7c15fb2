package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every option of every command says what it is (tour N, N2: a dozen printed an empty line in --help). */
class SimulatorHelpTest {

    @Test
    void everyOptionHasADescriptionAndTheSeedIsNeverShown() {
        CommandLine cli = SimulatorCli.commandLine(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        for (CommandLine sub : cli.getSubcommands().values()) {
            for (CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) {
                assertThat(String.join(" ", o.description())).as(sub.getCommandName() + " " + o.longestName()).isNotBlank();
            }
            String help = sub.getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertThat(help).as(sub.getCommandName()).doesNotContain("Default: edgeauth-sim-fleet");
        }
        assertThat(cli.getSubcommands().get("run").getUsageMessage(CommandLine.Help.Ansi.OFF)).contains("Default: 15s");
    }
}
