package io.edgeauth.simulator;

import io.edgeauth.simulator.fleet.FleetCa;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fleet-ca --out FILE}: writes the fleet CA's certificate (PEM) for the broker's {@code coap.trustStore}, so
 * the certificates of X.509 devices ({@code --coap-security x509}) chain to a trusted CA. Public: no key is written.
 */
@Command(name = "fleet-ca", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Write the fleet CA certificate (PEM) for coap.trustStore.")
final class FleetCaCommand implements Callable<Integer> {
    private final PrintStream out;

    @Option(names = "--fleet-seed", defaultValue = "${env:EDGEAUTH_SIM_SEED:-edgeauth-sim-fleet}", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER, description = "the secret every fleet key derives from (default: $EDGEAUTH_SIM_SEED, else edgeauth-sim-fleet)")
    String seed;
    @Option(names = "--out", required = true, description = "file to write the fleet CA certificate (PEM) to")
    Path file;

    FleetCaCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        Files.write(file, new FleetCa(seed).pemBytes());
        out.println("wrote the fleet CA certificate to " + file);
        return 0;
    }
}
