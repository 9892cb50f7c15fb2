package io.edgeauth.broker.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fresh clone in any folder must build and test: no file of the build or tests reads outside the checkout. */
class RepositoryStandsAloneTest {

    @Test
    void noBuildTestOrScriptFileNamesAPathOutsideTheRepository() {
        assertThat(OutsidePathScanner.scan(RepositoryRoot.get()))
                .as("files that name a path outside the repository (a fresh clone elsewhere would fail)")
                .isEmpty();
    }

    @Test
    void theScannerFindsEachKindOfOutsidePath(@TempDir Path dir) throws Exception {
        // the planted paths are assembled from pieces so that this file itself names no outside path
        String up = ".." + "/";
        String work = "/" + "work" + "/";
        Files.createDirectories(dir.resolve("m/src/test/java"));
        Files.writeString(dir.resolve("pom.xml"), "<d>${maven.multiModuleProjectDirectory}/" + up + "shared</d>\n");
        Files.writeString(dir.resolve("m/src/test/java/T.java"), "ok(\"" + up + up + "etc/passwd\");\nPath.of(\""
                + work + "shared\");\nPath.of(\"" + up + up + "shared/vectors\");\n");
        Files.writeString(dir.resolve("run"), "cat ${project.basedir}/" + up + up + "x\nls /" + "home/me/data\n");
        Files.writeString(dir.resolve("README.md"), "see " + up + "shared/DESIGN.md\n"); // prose is not read
        Files.createDirectories(dir.resolve("target"));
        Files.writeString(dir.resolve("target/x.txt"), work + "x\n"); // build output is not read

        assertThat(OutsidePathScanner.scan(dir)).extracting(f -> f.file().toString() + ":" + f.line())
                .containsExactlyInAnyOrder("pom.xml:1", "m/src/test/java/T.java:2", "m/src/test/java/T.java:3",
                        "run:1", "run:2");
    }
}
