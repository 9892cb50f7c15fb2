package io.edgeauth.broker.store;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The data directory's format marker, {@code data-format.properties}: the version of each file format the broker
 * writes there (the store, the MQTT session journal's records, the CoAP commands file, the audit lines), written at
 * every start. A build that finds a version newer than it knows refuses to start before it reads anything, naming the
 * file, the version found and the one it knows: an older build read half such a directory and stopped on the first
 * record it did not know, with a message that read like damage (tour U, U1, U10). A directory without the marker is
 * from before it (2026-12-07) and opens as before; a format a newer build adds under a new name is not this build's
 * concern (it never reads that file) and is left alone.
 */
public final class DataFormats {
    /** The marker's name in the data directory. */
    public static final String FILE = "data-format.properties";
    /**
     * What this build writes. Raise a value with the format it names (the owners: MvStoreStore's maps, {@code
     * mqtt.persist.Records}, {@code coap.CoapCommandsFile}, {@code audit.AuditLine}); the tests check the two that
     * carry a version of their own.
     */
    public static final Map<String, Integer> CURRENT = Map.of("store", 1, "sessionJournal", 2, "coapCommands", 2,
            "audit", 1);
    private static final List<String> ORDER = List.of("store", "sessionJournal", "coapCommands", "audit");

    private DataFormats() {
    }

    /** Refuses a data directory a newer build wrote (see the class comment); nothing when the marker is absent. */
    public static void refuseNewer(Path dataDir, String thisBuild) {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return;
        }
        Properties marker = new Properties();
        try {
            marker.load(new StringReader(Files.readString(file)));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot read the data directory's format marker " + file + ": " + e.getMessage()
                    + "; if it is damaged, delete it (the next start writes it again) and see docs/upgrading.md", e);
        }
        List<String> newer = new ArrayList<>();
        for (String format : ORDER) {
            int version = parse(marker.getProperty(format, "").strip(), format, file);
            if (version > CURRENT.get(format)) {
                newer.add(format + " " + version + " (this build knows up to " + CURRENT.get(format) + ")");
            }
        }
        if (!newer.isEmpty()) {
            throw new IllegalStateException("the data directory " + dataDir + " was last used by a newer broker ("
                    + marker.getProperty("writtenBy", "build not named") + "): " + file + " names the format "
                    + String.join(", ", newer) + "; this build is " + thisBuild + ". It stops before reading anything:"
                    + " run the newer build (or a later one) on this directory; to roll back, see docs/upgrading.md");
        }
    }

    /** Writes the marker with this build's formats; call it once the data directory's lock is held (the store opened). */
    public static void write(Path dataDir, String thisBuild) {
        Path file = dataDir.resolve(FILE);
        StringBuilder text = new StringBuilder("# the formats of the files in this data directory, written at every start"
                + " (docs/upgrading.md):\n# a build that knows only older versions refuses to start on it\n");
        ORDER.forEach(format -> text.append(format).append('=').append(CURRENT.get(format)).append('\n'));
        text.append("writtenBy=").append(thisBuild.replace("\n", " ")).append('\n');
        Path temp = dataDir.resolve(FILE + ".tmp");
        try {
            Files.writeString(temp, text);
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // non-POSIX file system: the data directory's own mode protects it
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the data directory's format marker " + file + ": " + e, e);
        }
    }

    private static int parse(String found, String format, Path file) {
        if (found.isEmpty()) {
            return 0; // a marker without it: a build that did not write that file
        }
        try {
            return Integer.parseInt(found);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the data directory's format marker " + file + " says " + format + "="
                    + found + ", not a version number; if it is damaged, delete it (the next start writes it again)", e);
        }
    }
}
