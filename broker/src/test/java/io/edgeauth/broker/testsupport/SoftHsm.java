package io.edgeauth.broker.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * SoftHSM2 tokens for the PKCS#11 tests. The build points {@code SOFTHSM2_CONF} at {@code target/softhsm2} (parent
 * pom), so tokens never touch the system's token directory. Skips the test when Debian's {@code softhsm2} is not
 * installed, unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true (CI), then fails.
 */
public final class SoftHsm {
    private static final List<String> MODULES = List.of("/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so");
    private static final Pattern SLOT = Pattern.compile("reassigned to slot (\\d+)");

    private SoftHsm() {
    }

    /** The SoftHSM2 PKCS#11 module, or the test is skipped (failed in CI). */
    public static Path module() {
        Path module = MODULES.stream().map(Path::of).filter(Files::isReadable).findFirst().orElse(null);
        boolean util = Files.isExecutable(Path.of("/usr/bin/softhsm2-util"));
        String conf = System.getenv("SOFTHSM2_CONF");
        if ((module == null || !util || conf == null) && "true".equals(System.getenv("EDGEAUTH_REQUIRE_INTEROP_TOOLS"))) {
            throw new IllegalStateException("EDGEAUTH_REQUIRE_INTEROP_TOOLS=true but SoftHSM2 is missing (module "
                    + module + ", softhsm2-util " + util + ", SOFTHSM2_CONF " + conf + ")");
        }
        Assumptions.assumeTrue(module != null && util, "SoftHSM2 (Debian softhsm2) is not installed");
        Assumptions.assumeTrue(conf != null, "SOFTHSM2_CONF is not set (run through Maven)");
        return module;
    }

    /** Initialises a fresh token labelled {@code label}; returns its slot id. */
    public static long initToken(String label, String pin) throws IOException, InterruptedException {
        module();
        Path conf = Path.of(System.getenv("SOFTHSM2_CONF"));
        Path tokens = conf.resolveSibling("tokens");
        Files.createDirectories(tokens);
        if (!Files.exists(conf)) {
            Files.writeString(conf, "directories.tokendir = " + tokens.toAbsolutePath() + "\nobjectstore.backend = file\n"
                    + "log.level = ERROR\n");
        }
        Process p = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                "--so-pin", pin).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("softhsm2-util --init-token failed: " + out);
        }
        Matcher m = SLOT.matcher(out);
        if (!m.find()) {
            throw new IOException("softhsm2-util did not say the slot: " + out);
        }
        return Long.parseLong(m.group(1));
    }
}
