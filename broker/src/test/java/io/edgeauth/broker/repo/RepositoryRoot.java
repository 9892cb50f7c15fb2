package io.edgeauth.broker.repo;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's root: the {@code edgeauth.repo.root} property surefire sets, else the module's parent. */
final class RepositoryRoot {
    private RepositoryRoot() {
    }

    static Path get() {
        String prop = System.getProperty("edgeauth.repo.root");
        Path root = (prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("..")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("broker"))) {
            throw new IllegalStateException("not the repository root: " + root);
        }
        return root;
    }
}
