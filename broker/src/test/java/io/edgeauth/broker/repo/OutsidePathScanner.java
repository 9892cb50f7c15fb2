package io.edgeauth.broker.repo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds lines in the build, test and script files of a source tree that name a path outside that
 * tree: the steering folder that sits beside a checkout, a parent of the reactor root, or an
 * absolute path of one particular machine (home, work or temp folders). Documentation (Markdown) and
 * the vector data in {@code testdata/} are not read; build output and VCS folders are skipped.
 */
final class OutsidePathScanner {
    /** Each a way a file has named a place outside the checkout. */
    static final List<Pattern> FORBIDDEN = List.of(
            Pattern.compile("(\\.\\./)+shared\\b"),
            Pattern.compile("(multiModuleProjectDirectory|rootdir|basedir)\\}/\\.\\."),
            Pattern.compile("(^|[^.\\w$}])/(work|home|root|Users|tmp)/"));
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules", "testdata", ".idea");
    /** The CI entry point installs system packages (apt, /tmp downloads are its business, not a read by a test). */
    private static final Set<String> SKIPPED_TOP = Set.of(".ci");

    private OutsidePathScanner() {
    }

    /** One offending line. */
    record Finding(Path file, int line, String text) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + text.strip();
        }
    }

    static List<Finding> scan(Path root) {
        List<Finding> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile)
                    .filter(f -> !skipped(root.relativize(f)))
                    .filter(OutsidePathScanner::isBuildOrTestFile)
                    .forEach(f -> scanFile(root, f, found));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static boolean skipped(Path relative) {
        if (relative.getNameCount() > 1 && SKIPPED_TOP.contains(relative.getName(0).toString())) {
            return true;
        }
        for (Path part : relative) {
            if (SKIPPED_DIRS.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isBuildOrTestFile(Path f) {
        String name = f.getFileName().toString();
        if (name.endsWith(".md") || name.endsWith(".png") || name.endsWith(".jar")) {
            return false;
        }
        return true; // sources, poms, config, scripts (bench/, run-broker), resources
    }

    private static void scanFile(Path root, Path f, List<Finding> found) {
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (MalformedInputException binary) {
            return; // not text
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            for (Pattern p : FORBIDDEN) {
                if (p.matcher(line).find()) {
                    found.add(new Finding(root.relativize(f), i + 1, line));
                    break;
                }
            }
        }
    }
}
