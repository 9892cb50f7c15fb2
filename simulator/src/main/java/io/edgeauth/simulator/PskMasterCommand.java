package io.edgeauth.simulator;

import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.simulator.fleet.FleetIdentities;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code psk-master FILE}: writes the fleet's DTLS PSK master (32 raw bytes, mode 600) for the broker's
 * {@code coap.pskMasterSecretFile}; the broker then derives each device's PSK exactly as the fleet does.
 */
@Command(name = "psk-master", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Write the fleet's DTLS PSK master for coap.pskMasterSecretFile.")
final class PskMasterCommand implements Callable<Integer> {
    private final PrintStream out;

    @Option(names = "--fleet-seed", defaultValue = "${env:EDGEAUTH_SIM_SEED:-edgeauth-sim-fleet}", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER, description = "the secret every fleet key derives from (default: $EDGEAUTH_SIM_SEED, else edgeauth-sim-fleet)")
    String seed;
    @Option(names = "--out", required = true, description = "file to write the DTLS PSK master to (for coap.pskMasterSecretFile)")
    Path file;

    PskMasterCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        byte[] master = new FleetIdentities(seed, "sim", DeviceIdentity.KeyType.EC_P256).pskMaster();
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, master, StandardOpenOption.TRUNCATE_EXISTING);
        out.println("wrote the fleet's 32-byte PSK master to " + file);
        return 0;
    }
}
