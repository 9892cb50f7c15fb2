package io.edgeauth.broker.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The repository's copies of outside test vectors are exactly those listed, with the listed checksums. */
class TestdataChecksumsTest {

    @Test
    void everyVectorFileMatchesItsChecksumAndIsListedInSources() throws Exception {
        Path testdata = RepositoryRoot.get().resolve("testdata");
        List<String> sums = Files.readAllLines(testdata.resolve("SHA256SUMS"), StandardCharsets.UTF_8);
        String sources = Files.readString(testdata.resolve("SOURCES.md"), StandardCharsets.UTF_8);
        assertThat(sums).hasSizeGreaterThan(50);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String line : sums) {
            String[] parts = line.split("\\s+", 2);
            Path file = testdata.resolve(parts[1].replaceFirst("^\\./", ""));
            String actual = HexFormat.of().formatHex(sha.digest(Files.readAllBytes(file)));
            assertThat(actual).as("sha256 of %s", parts[1]).isEqualTo(parts[0]);
            assertThat(sources).as("SOURCES.md lists %s with its checksum", parts[1]).contains(parts[0]);
        }
        Set<String> listed = sums.stream().map(l -> l.split("\\s+", 2)[1].replaceFirst("^\\./", ""))
                .collect(Collectors.toSet());
        try (Stream<Path> files = Files.walk(testdata)) {
            List<String> unlisted = files.filter(Files::isRegularFile).map(f -> testdata.relativize(f).toString())
                    .filter(f -> !f.equals("SHA256SUMS") && !f.equals("SOURCES.md") && !listed.contains(f))
                    .toList();
            assertThat(unlisted).as("files in testdata/ without a checksum and origin").isEmpty();
        }
    }
}
