package io.edgeauth.broker.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * Every token the tests log in to, by label, with its PIN: SoftHSM2 lists only the tokens that were there when the
     * module was first opened in the process (a token made later has an invalid slot), and a test JVM runs several
     * classes, so all are made at the first {@link #slot} call, before any class opens the module.
     */
    private static final Map<String, String> TOKENS = Map.of(
            "edgeauth-pkcs11-test", "4711-test", "edgeauth-pin-test", "4711-test",
            "edgeauth-recovery-unit", "4711-recovery", "edgeauth-recovery-away", "4711-recovery");
    // a suffix per JVM: the token directory persists across runs, and a test may look for its token's directory
    private static final String RUN = "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private static Map<String, Long> slots;

    private SoftHsm() {
    }

    /** The slot of the token {@code label} (one of {@link #TOKENS}), every such token made at the first call. */
    public static synchronized long slot(String label) throws IOException, InterruptedException {
        if (slots == null) {
            Map<String, Long> made = new HashMap<>();
            for (Map.Entry<String, String> t : TOKENS.entrySet()) {
                made.put(t.getKey(), initToken(t.getKey() + RUN, t.getValue()));
            }
            slots = made;
        }
        Long slot = slots.get(label);
        if (slot == null) {
            throw new IllegalArgumentException("no SoftHSM test token " + label + " (add it to SoftHsm.TOKENS)");
        }
        return slot;
    }

    /** The directory SoftHSM2 keeps the token {@code label} of this run in (each token has one of its own). */
    public static Path tokenDirectory(String label) throws IOException {
        Path tokens = Path.of(System.getenv("SOFTHSM2_CONF")).resolveSibling("tokens");
        try (java.util.stream.Stream<Path> dirs = Files.list(tokens)) {
            return dirs.filter(d -> {
                try {
                    return new String(Files.readAllBytes(d.resolve("token.object")), StandardCharsets.ISO_8859_1)
                            .contains(label + RUN);
                } catch (IOException e) {
                    return false;
                }
            }).findFirst().orElseThrow(() -> new IOException("no SoftHSM2 directory for token " + label + RUN));
        }
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
