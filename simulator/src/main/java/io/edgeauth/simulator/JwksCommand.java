package io.edgeauth.simulator;

import io.edgeauth.simulator.fleet.ObserverIssuer;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jwks}: the observer issuer's public JWKS, for the broker's {@code trustedIssuers[].jwksFile}
 * (the observer proves end-to-end delivery; its token only grants subscribing to the fleet's telemetry).
 */
@Command(name = "jwks", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Print the observer issuer's JWKS for the broker's trustedIssuers.")
final class JwksCommand implements Callable<Integer> {
    private final PrintStream out;

    @Option(names = "--fleet-seed", defaultValue = "${env:EDGEAUTH_SIM_SEED:-edgeauth-sim-fleet}", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER, description = "the secret every fleet key derives from (default: $EDGEAUTH_SIM_SEED, else edgeauth-sim-fleet)")
    String seed;
    @Option(names = "--observer-issuer", defaultValue = "urn:edgeauth:simulator", description = "the observer's issuer (iss), as the broker's trustedIssuers names it")
    String issuer;

    JwksCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        out.println(new ObserverIssuer(seed, issuer).jwksJson());
        return 0;
    }
}
