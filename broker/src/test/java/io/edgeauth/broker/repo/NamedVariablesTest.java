package io.edgeauth.broker.repo;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.config.ConfigException;
import io.edgeauth.broker.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code EDGEAUTH_*} variable the docs, the bench scripts and the benchmarks' brokers name is one the broker
 * reads. A key renamed or refused later makes the broker refuse the variable at start-up: a bench that set it then
 * failed with no word of why (the MQTT TLS bench set a refused rate plan key for a day), and a doc that names it
 * tells users to set what stops their broker.
 */
class NamedVariablesTest {
    private static final Pattern VARIABLE = Pattern.compile("\\bEDGEAUTH_[A-Z0-9_]*[A-Z0-9]");
    /**
     * Named on purpose though not config keys: the CLI's admin credential, the PIN variable a tenant's
     * {@code hsm.pinEnv} names in docs/hsm.md, the test suite's switch for the HSM interop tools, and the README's and
     * contract's examples of mistyped names.
     */
    private static final Set<String> NOT_CONFIG = Set.of("EDGEAUTH_ADMIN", "EDGEAUTH_HSM_PIN",
            "EDGEAUTH_REQUIRE_INTEROP_TOOLS", "EDGEAUTH_HTPP_PORT", "EDGEAUTH_HTTP_PROT");
    private static final String NOT_CONFIG_PREFIX = "EDGEAUTH_SIM_";

    @Test
    void everyVariableNamedInTheRepositoryIsAConfigKey() {
        Map<String, String> wrong = new TreeMap<>();
        named().forEach((variable, where) -> {
            if (NOT_CONFIG.contains(variable) || variable.startsWith(NOT_CONFIG_PREFIX)) {
                return;
            }
            ConfigLoader loader = new ConfigLoader();
            try {
                loader.load(null, Map.of(variable, "1"));
            } catch (ConfigException e) {
                if (e.getMessage().contains("names no config key") || e.getMessage().contains("is not a section")) {
                    wrong.put(variable, where + ": " + e.getMessage());
                }
                return; // any other refusal is about the value "1", not the name
            } catch (RuntimeException e) {
                return;
            }
            if (loader.ignoredVariables().contains(variable)) {
                wrong.put(variable, where + ": names no config section");
            }
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void theScanFindsTheVariablesItChecks() {
        assertThat(named()).containsKeys("EDGEAUTH_MQTT_TLS_PORT", "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE");
    }

    /** Each variable named, with the first file naming it. */
    private static Map<String, String> named() {
        Path root = RepositoryRoot.get();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        files.addAll(list(root.resolve("docs"), ".md"));
        files.addAll(list(root.resolve("bench"), ""));
        files.addAll(list(root.resolve("broker/src/test/java/io/edgeauth/broker/bench"), ".java"));
        files.addAll(list(root.resolve("broker/src/main/resources"), ".yaml"));
        Map<String, String> found = new TreeMap<>();
        for (Path f : files) {
            Matcher m = VARIABLE.matcher(read(f));
            while (m.find()) {
                found.putIfAbsent(m.group(), root.relativize(f).toString());
            }
        }
        return found;
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(suffix)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
