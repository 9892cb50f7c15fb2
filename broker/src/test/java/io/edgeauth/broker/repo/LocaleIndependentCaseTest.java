package io.edgeauth.broker.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No main code changes case in the JVM's default locale: on a Turkish host {@code "KID".toLowerCase()} is
 * {@code "kıd"} (dotless i), so audit outcomes, metric labels and protocol words made that way differ from the
 * documented ones (tour I, I7 and I15: the wallet sign-in's refusal codes, the token format label, a device's
 * credential type, the bulk import's result lines). Every such call names {@code Locale.ROOT}.
 */
class LocaleIndependentCaseTest {
    private static final Pattern DEFAULT_LOCALE_CASE = Pattern.compile("\\.to(Lower|Upper)Case\\(\\)");

    @Test
    void mainCodeNeverChangesCaseInTheDefaultLocale() throws IOException {
        List<String> found = new ArrayList<>();
        for (String module : List.of("broker", "device-sdk", "wallet-login", "geo", "simulator")) {
            Path main = RepositoryRoot.get().resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(main)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        if (DEFAULT_LOCALE_CASE.matcher(lines.get(i)).find()) {
                            found.add(RepositoryRoot.get().relativize(f) + ":" + (i + 1));
                        }
                    }
                }
            }
        }
        assertThat(found).as("toLowerCase()/toUpperCase() without Locale.ROOT").isEmpty();
    }
}
