package io.edgeauth.broker.coap;

import io.edgeauth.broker.store.ChecksummedFile;
import io.edgeauth.broker.store.StateFiles;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CoAP command state kept across a clean restart: for every principal that observed its commands (a live Observe
 * relation or a parked one), its tenant, principal and topic, and the commands still waiting for it, in order. The
 * restarted edge parks them again (a router subscription each, for {@code coap.commandRetention}), so the device's
 * next registration gets what was waiting and what was published since the start. A {@link ChecksummedFile}, owner
 * only (command payloads are on disk as in the MQTT session journal); read once: moved aside before reading and
 * deleted after, so a crash later on cannot hand out the same commands again at the next start.
 */
final class CoapCommandsFile {
    private static final Logger LOG = LoggerFactory.getLogger(CoapCommandsFile.class);
    private static final int MAGIC = 0x45414343; // "EACC"
    /** Version 2 keeps each command's expiry; version 1 files (before 2026-12-07) are read as never expiring. */
    static final int VERSION = 2;
    /** The largest command payload kept: the HTTP command API's own bound is far below. */
    private static final int MAX_PAYLOAD = 1 << 20;
    /** The longest topic kept, in UTF-8 bytes (a device's own topics are far shorter; DataOutput.writeUTF ends at 64 KiB). */
    private static final int MAX_TOPIC = 16_384;

    /** What one principal's relations on one topic had waiting. */
    record Kept(String tenant, String principal, String topic, List<ObservedCommands.Command> commands) {
    }

    private final Path file;

    CoapCommandsFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    /**
     * Writes {@code kept}; a failure (a full disk) is logged and leaves no file. A command larger than the file takes
     * back ({@code MAX_PAYLOAD}, or a topic over {@code MAX_TOPIC} bytes) is left out and counted in the log, so one
     * such command never makes the whole file unreadable.
     */
    void save(List<Kept> all) {
        int[] left = {0};
        List<Kept> kept = all.stream().map(k -> new Kept(k.tenant(), k.principal(), k.topic(), k.commands().stream()
                .filter(c -> {
                    boolean fits = c.payload.length <= MAX_PAYLOAD
                            && c.topic.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_TOPIC;
                    left[0] += fits ? 0 : 1;
                    return fits;
                }).toList())).toList();
        if (left[0] > 0) {
            LOG.warn("{} CoAP command(s) too large to keep across the restart (over {} bytes): dropped", left[0], MAX_PAYLOAD);
        }
        try {
            ChecksummedFile.write(file, out -> {
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeInt(kept.size());
                for (Kept k : kept) {
                    out.writeUTF(k.tenant());
                    out.writeUTF(k.principal());
                    out.writeUTF(k.topic());
                    out.writeInt(k.commands().size());
                    for (ObservedCommands.Command c : k.commands()) {
                        out.writeUTF(c.topic);
                        out.writeInt(c.payload.length);
                        out.write(c.payload);
                        out.writeLong(c.expiresAtMillis);
                    }
                }
            });
            LOG.info("CoAP command observers kept for the next start: {} ({} commands waiting)", kept.size(),
                    kept.stream().mapToInt(k -> k.commands().size()).sum());
        } catch (IOException | RuntimeException e) {
            LOG.warn("CoAP command observers not kept ({}): commands waiting now are lost with the restart", e.toString());
        }
    }

    /**
     * Reads what the last clean stop kept and deletes the file; nothing (logged) when it is absent or unreadable. A
     * file of a newer version (a rollback) is kept aside as {@code <name>.unread-v<version>}, not deleted: the newer
     * build reads it again once it is renamed back (tour U, U2).
     */
    List<Kept> restore() {
        try {
            int version = versionOf(file);
            if (version > VERSION) {
                Path kept = file.resolveSibling(file.getFileName() + ".unread-v" + version);
                java.nio.file.Files.move(file, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                LOG.warn("CoAP commands file {} is of version {}, written by a newer broker (this build reads 1 to {}):"
                        + " not read, kept as {}. The commands waiting in it are not handed out by this build; to"
                        + " restore them, rename it back to {} before starting the newer build (see docs/upgrading.md)",
                        file, version, VERSION, kept.getFileName(), file.getFileName());
                return List.of();
            }
            return StateFiles.readOnce(file, List.of(), aside -> ChecksummedFile.read(aside, "CoAP commands file",
                    CoapCommandsFile::body));
        } catch (IOException | RuntimeException e) {
            LOG.warn("CoAP command observers of the last run not restored ({})", e.toString());
            return List.of();
        }
    }

    /** The file's version, or 0 when it is absent, too short or no CoAP commands file (the reader says why). */
    private static int versionOf(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            return 0;
        }
        try (DataInputStream in = new DataInputStream(java.nio.file.Files.newInputStream(file))) {
            return in.readInt() == MAGIC ? in.readInt() : 0;
        } catch (EOFException e) {
            return 0;
        }
    }

    private static List<Kept> body(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a CoAP commands file");
        }
        int version = in.readInt();
        if (version != VERSION && version != 1) {
            throw new IOException("CoAP commands file version " + version + ", expected 1 to " + VERSION);
        }
        int n = ChecksummedFile.count(in.readInt(), Integer.MAX_VALUE, "observers");
        List<Kept> kept = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            String tenant = in.readUTF();
            String principal = in.readUTF();
            String topic = in.readUTF();
            int count = ChecksummedFile.count(in.readInt(), ObservedCommands.CAPACITY, "commands");
            List<ObservedCommands.Command> commands = new ArrayList<>(count);
            for (int j = 0; j < count; j++) {
                String at = in.readUTF();
                int size = ChecksummedFile.count(in.readInt(), MAX_PAYLOAD, "payload bytes");
                byte[] payload = in.readNBytes(size);
                if (payload.length != size) {
                    throw new EOFException("truncated command");
                }
                commands.add(new ObservedCommands.Command(at, payload, version == 1 ? 0 : in.readLong()));
            }
            kept.add(new Kept(tenant, principal, topic, commands));
        }
        return kept;
    }
}
