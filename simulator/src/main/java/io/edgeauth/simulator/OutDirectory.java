package io.edgeauth.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks an output directory before a run: a run of a million devices takes minutes, and finding at its end
 * that its results cannot be written throws them away.
 */
final class OutDirectory {
    private OutDirectory() {
    }

    /**
     * Creates {@code dir} and writes and deletes a probe file in it.
     *
     * @return null when it can be written, else why not, naming {@code option}
     */
    static String problem(String option, Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(probe);
            return null;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // the JDK's IOException text is often the path alone: say what kind of failure it was
            return "cannot write " + option + " " + dir + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null || e.getMessage().equals(dir.toString()) ? "" : " " + e.getMessage());
        }
    }
}
