package io.edgeauth.simulator;

import io.edgeauth.simulator.fleet.FleetIdentities;
import io.edgeauth.simulator.fleet.Shard;
import io.edgeauth.simulator.onboard.BulkImport;
import io.edgeauth.simulator.onboard.ImportTally;
import java.io.PrintStream;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code import}: registers a fleet (or one shard of it) with one streamed bulk import, so that later runs can
 * use {@code --onboarding none}, and so that a measurement of the broker can leave the registry out of it.
 * Exit 0 when every record was accepted, 1 when some were refused.
 */
@Command(name = "import", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Register a fleet (or a shard) with POST /admin/devices:bulk.")
final class ImportCommand implements Callable<Integer> {
    private final PrintStream out;

    @Option(names = "--broker-url", required = true, converter = SimulatorCli.HttpUrlConverter.class, description = "the broker's HTTP URL, e.g. http://localhost:8080")
    URI brokerUrl;
    @Option(names = "--admin-credential", defaultValue = "${env:EDGEAUTH_ADMIN}", description = "the broker's admin"
            + " bearer credential (printed at its first start); prefer env EDGEAUTH_ADMIN (an argument shows in ps)")
    String adminCredential;
    @Option(names = "--tenant", defaultValue = "default", description = "tenant the devices are registered in")
    String tenant;
    @Mixin
    FleetOptions fleetOptions;
    @Option(names = "--devices", defaultValue = "100", description = "fleet size (the shard registers its part of it)")
    long devices;
    @Option(names = "--shard", defaultValue = "0/1", description = "i/n: register only shard i of n of the fleet")
    String shard;

    @Option(names = "--import-idle-timeout", defaultValue = "60s", converter = SimulatorCli.DurationConverter.class, description = "fail after this long without progress (the broker neither reads the upload nor answers)")
    java.time.Duration idleTimeout;

    ImportCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        if (adminCredential == null || adminCredential.isBlank()) {
            throw new IllegalArgumentException("the admin credential is needed: env EDGEAUTH_ADMIN or --admin-credential");
        }
        if (devices < 1) {
            throw new IllegalArgumentException("--devices must be at least 1");
        }
        if (idleTimeout.compareTo(java.time.Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("--import-idle-timeout must be at least 100ms");
        }
        Shard part = Shard.parse(shard);
        if (part.size(devices) < 1) {
            throw new IllegalArgumentException("shard " + part + " of " + devices + " devices has no device: use at most "
                    + devices + " shards");
        }
        FleetIdentities fleet = fleetOptions.identities();
        long start = System.nanoTime();
        ImportTally tally = new ImportTally();
        // Ctrl-C/SIGTERM: the upload is cut where it is; say how far the broker's answers got (it holds at least those)
        Runnable interrupted = () -> out.printf(Locale.ROOT, "import: INTERRUPTED after %.1f s of %d devices: %s"
                + " (the broker keeps what it committed; a re-run reports those unchanged)%n",
                (System.nanoTime() - start) / 1e9, part.size(devices), tally.counts());
        BulkImport.Summary s;
        try (Interruption interruption = Interruption.onSignal(interrupted, java.time.Duration.ZERO)) {
            s = BulkImport.importRange(brokerUrl, adminCredential, fleet, part.start(devices), part.size(devices), tenant,
                    tally::accept, idleTimeout);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "import: %d devices in %.1f s (%.0f/s): created=%d updated=%d unchanged=%d refused=%d %s%n",
                part.size(devices), seconds, part.size(devices) / Math.max(seconds, 1e-9), s.created(), s.updated(), s.unchanged(),
                s.refused(), s.firstErrors().isEmpty() ? "" : s.firstErrors());
        return s.refused() == 0 ? 0 : SimulatorCli.FAILED;
    }
}
