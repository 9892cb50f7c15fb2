package io.edgeauth.simulator;

import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.simulator.fleet.FleetIdentities;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The options that name a fleet ({@code --fleet-seed}, {@code --device-prefix}, {@code --key-type}): a picocli mixin. */
final class FleetOptions {
    @Option(names = "--fleet-seed", defaultValue = "${env:EDGEAUTH_SIM_SEED:-edgeauth-sim-fleet}", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER, description = "secret the fleet's keys derive from (env EDGEAUTH_SIM_SEED)")
    String seed;
    @Option(names = "--device-prefix", defaultValue = "sim", description = "device ids are PREFIX-0, PREFIX-1, ...")
    String prefix;
    @Option(names = "--key-type", defaultValue = "p256", description = "p256 or ed25519")
    String keyType;

    /** The fleet these options name; IllegalArgumentException names a bad option. */
    FleetIdentities identities() {
        DeviceIdentity.KeyType type = switch (keyType.toLowerCase(Locale.ROOT)) {
            case "p256", "p-256", "es256" -> DeviceIdentity.KeyType.EC_P256;
            case "ed25519", "eddsa" -> DeviceIdentity.KeyType.ED25519;
            default -> throw new IllegalArgumentException("--key-type must be p256 or ed25519");
        };
        return new FleetIdentities(seed, prefix, type);
    }
}
