package io.edgeauth.broker.audit;

import ch.qos.logback.core.ContextBase;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.rolling.RolloverFailure;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.FileSize;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit lines to a file rotated by size and day as logback rotates it: the active file is {@code file}, rotated
 * ones {@code file.<yyyy-MM-dd>.<n>} next to it, at most {@code maxHistory} days kept and, with a total size cap,
 * the oldest rotated files deleted (at each rotation) while their total passes it. Logback's
 * {@link SizeAndTimeBasedRollingPolicy} decides when to rotate, names, renames and deletes; this sink writes the
 * bytes itself through a {@link FileChannel}, because logback's appender swallows a failed write (on a full disk its
 * stream drops bytes while it "recovers" and leaves a torn line) and can neither report it nor take a fragment back:
 * here a chunk that cannot be written whole is cut off the file again and reported ({@link WriteFailure}), so the
 * writer retries it. One sink per file: {@link AuditFileLock} refuses a second one (another broker). Reads the active
 * file's last line back at start so the hash chain continues across restarts and rotations.
 */
public final class RollingFileSink implements AuditSink {
    private static final Logger LOG = LoggerFactory.getLogger(RollingFileSink.class);
    private static final int MAX_TAIL_BYTES = 1 << 20;
    /** Bytes of lines written at once at most. */
    static final int MAX_CHUNK_BYTES = 64 * 1024;

    /** How a chunk's bytes reach the file ({@link FileChannel#write}); tests hand in one that fails as a full disk. */
    interface Output {
        int write(FileChannel channel, ByteBuffer bytes) throws IOException;
    }

    private final Path file;
    private final File activeFile;
    private final String lastLine;
    private final long chunkBytes;
    private final Output output;
    private final AuditFileLock lock;
    private final SizeAndTimeBasedRollingPolicy<String> policy = new SizeAndTimeBasedRollingPolicy<>();
    private FileChannel channel; // null after a rotation or a failed open: opened at the next write
    /** Where a fragment of a failed chunk starts that could not be cut off yet (-1: none). */
    private long tornAt = -1;
    /** Logback's clean-ups of rotated files, one at a time. */
    private final ExecutorService cleanups = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edgeauth-audit-cleanup");
        t.setDaemon(true);
        return t;
    });
    private final ContextBase context = new ContextBase() {
        /**
         * Logback runs each rotation's clean-up on this executor, a pool by default: with rotations close together two
         * clean-ups of the total size cap overlapped, each deleting by a listing the other was changing, and together
         * deleted every rotated file, the newest included. One at a time, each sees the files the last one left.
         */
        @Override
        public synchronized ExecutorService getAlternateExecutorService() {
            return cleanups;
        }
    };

    /**
     * @param file        the active file (its directory is created)
     * @param maxFileSize logback size, e.g. {@code 100MB}: the file rotates once a chunk has reached it
     * @param maxHistory  days of rotated files kept (0: keep all)
     */
    public RollingFileSink(Path file, String maxFileSize, int maxHistory) throws IOException {
        this(file, maxFileSize, maxHistory, null);
    }

    /**
     * @param totalSizeCap logback size bounding the rotated files together (null: no bound); the active file is not
     *                     counted
     * @throws IOException also when another sink (another broker) has the file open
     */
    public RollingFileSink(Path file, String maxFileSize, int maxHistory, String totalSizeCap) throws IOException {
        this(file, maxFileSize, maxHistory, totalSizeCap, FileChannel::write);
    }

    RollingFileSink(Path file, String maxFileSize, int maxHistory, String totalSizeCap, Output output)
            throws IOException {
        this.file = file.toAbsolutePath();
        this.activeFile = this.file.toFile();
        this.output = output;
        AuditDirectories.create(this.file.getParent());
        lock = AuditFileLock.acquire(this.file); // before the file is read or repaired: another broker may write it
        try {
            chunkBytes = Math.min(MAX_CHUNK_BYTES, FileSize.valueOf(maxFileSize).getSize() / 8);
            completeLastLine(this.file);
            lastLine = readLastLine(this.file);
            if (lastLine == null) {
                warnIfRotatedOnly(this.file);
            }
            context.setName("edgeauth-audit");
            FileAppender<String> parent = new FileAppender<>(); // never started: names the active file for the policy
            parent.setContext(context);
            parent.setFile(this.file.toString());
            policy.setContext(context);
            policy.setParent(parent);
            policy.setFileNamePattern(this.file + ".%d{yyyy-MM-dd}.%i");
            policy.setMaxFileSize(FileSize.valueOf(maxFileSize));
            policy.setMaxHistory(maxHistory);
            if (totalSizeCap != null) {
                policy.setTotalSizeCap(FileSize.valueOf(totalSizeCap));
            }
            policy.start();
            if (!policy.isStarted()) {
                throw new IOException("audit file " + this.file + ": rotation cannot start: " + errors());
            }
            channel = open(); // an unwritable file is refused at start, not at the first event
            policy.getLengthCounter().add(channel.size());
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The active file; one it creates is {@code rw-r-----} (owner, and a log shipper in its group), not the umask's
     * usual world-readable mode: the lines name devices, wallets and source addresses. An existing file keeps the
     * mode the operator gave it; rotated files keep theirs (a rename).
     */
    private FileChannel open() throws IOException {
        java.util.Set<StandardOpenOption> options = java.util.EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(file, options);
        }
        return FileChannel.open(file, options, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----")));
    }

    private String errors() {
        StringBuilder sb = new StringBuilder();
        for (Status s : context.getStatusManager().getCopyOfStatusList()) {
            if (s.getLevel() >= Status.WARN) {
                sb.append(s.getMessage()).append("; ");
            }
        }
        return sb.toString();
    }

    @Override
    public void write(String line) {
        try {
            writeBatch(List.of(line));
        } catch (WriteFailure e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The batch in chunks of at most {@link #MAX_CHUNK_BYTES} (an eighth of {@code maxFileSize} if smaller), one
     * write each, so a file passes its size by one chunk at most; rotation falls between chunks (the chain does not
     * care where). A chunk that cannot be written whole is cut off again and the batch stops there.
     */
    @Override
    public synchronized void writeBatch(List<String> lines) throws WriteFailure {
        StringBuilder chunk = new StringBuilder();
        int written = 0;
        int inChunk = 0;
        for (String line : lines) {
            if (inChunk > 0 && chunk.length() + line.length() + 1 > chunkBytes) {
                writeChunk(chunk, written);
                written += inChunk;
                chunk.setLength(0);
                inChunk = 0;
            }
            chunk.append(line).append('\n');
            inChunk++;
        }
        if (inChunk > 0) {
            writeChunk(chunk, written);
        }
    }

    private void writeChunk(CharSequence text, int writtenBefore) throws WriteFailure {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(text));
        try {
            if (tornAt >= 0) { // before a rotation too: a rotated file must not keep the fragment either
                channel().truncate(tornAt);
                tornAt = -1;
            }
            if (policy.isTriggeringEvent(activeFile, "")) {
                rotate();
            }
            FileChannel c = channel();
            long start = c.size();
            try {
                while (bytes.hasRemaining()) {
                    output.write(c, bytes);
                }
            } catch (IOException e) {
                tornAt = start; // what was written of the chunk is no line anyone may be answered for
                try {
                    c.truncate(start);
                    tornAt = -1;
                } catch (IOException t) {
                    e.addSuppressed(t); // cut off before the next write
                }
                throw e;
            }
            policy.getLengthCounter().add(bytes.limit());
        } catch (IOException e) {
            closeChannel(); // the retry opens a fresh one: this one may be unusable after the failure
            throw new WriteFailure(writtenBefore, new IOException("audit file " + file + ": " + e.getMessage(), e));
        }
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = open();
        }
        return channel;
    }

    private void closeChannel() {
        FileChannel c = channel;
        channel = null;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("audit file {} did not close cleanly: {}", file, e.toString());
            }
        }
    }

    /** Renames the active file and starts a new one, as logback's appender does (a failed rename: it carries on). */
    private void rotate() {
        closeChannel();
        try {
            policy.rollover();
        } catch (RolloverFailure e) {
            LOG.warn("audit file {} could not be rotated ({}); writing on in it", file, e.getMessage());
        }
    }

    @Override
    public Optional<String> lastLine() {
        return Optional.ofNullable(lastLine);
    }

    @Override
    public synchronized void close() {
        closeChannel();
        if (policy.isStarted()) {
            policy.stop(); // waits for the last rotation's clean-up
        }
        cleanups.shutdown();
        try {
            lock.close();
        } catch (IOException e) {
            LOG.warn("audit file {}: its lock was not released cleanly: {}", file, e.toString());
        }
    }

    /**
     * A file that does not end with a line feed was cut off in the middle of a write (a {@code kill -9} or a crash
     * during a batch): a fragment that is a whole JSON object (a line someone saved without its line end) gets its
     * line feed; any other fragment never was a line anyone was answered for (its batch's write did not finish), so
     * it is cut off, with a warning, and the chain continues from the last whole line instead of carrying a
     * malformed line forever.
     */
    static void completeLastLine(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long length = raf.length();
            if (length == 0) {
                return;
            }
            raf.seek(length - 1);
            if (raf.read() == '\n') {
                return;
            }
            int n = (int) Math.min(length, MAX_TAIL_BYTES);
            byte[] tail = new byte[n];
            raf.seek(length - n);
            raf.readFully(tail);
            int start = n;
            while (start > 0 && tail[start - 1] != '\n') {
                start--;
            }
            if (start == 0 && n < length) {
                return; // a fragment over 1 MiB: readLastLine starts a new chain, the verifier names the line
            }
            String fragment = new String(tail, start, n - start, StandardCharsets.UTF_8);
            if (isJsonObject(fragment)) {
                raf.seek(length);
                raf.write('\n');
                return;
            }
            raf.setLength(length - (n - start));
            LOG.warn("audit file {} ended in a partial line ({} bytes, a write cut off by a crash): removed", file,
                    n - start);
        }
    }

    private static boolean isJsonObject(String text) {
        try {
            return AuditLine.JSON.readTree(text).isObject();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * A missing or empty active file next to rotated ones: an operator moved it, a crash fell between a rotation's
     * rename and its first write, or someone deleted the newest lines. The chain starts anew (continuing from the
     * newest rotated file would hide a deletion); the operator is told which file the old chain ends in.
     */
    private static void warnIfRotatedOnly(Path file) throws IOException {
        String prefix = file.getFileName() + ".";
        try (java.util.stream.Stream<Path> siblings = Files.list(file.getParent())) {
            siblings.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).max(String::compareTo)
                    .ifPresent(rotated -> LOG.warn("audit file {} is missing or empty while rotated files of it exist "
                            + "(e.g. {}): a new chain starts at seq 0; if nobody moved the file, its lines are lost",
                            file, LogEscaping.escape(rotated)));
        }
    }

    /** The last non-empty line of {@code file}, or null if it is missing or empty. Reads only the tail. */
    static String readLastLine(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int n = (int) Math.min(length, MAX_TAIL_BYTES);
            byte[] tail = new byte[n];
            raf.seek(length - n);
            raf.readFully(tail);
            int end = n;
            while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r')) {
                end--;
            }
            if (end == 0) {
                return null;
            }
            int start = end;
            while (start > 0 && tail[start - 1] != '\n') {
                start--;
            }
            if (start == 0 && n < length) {
                LOG.warn("audit file {}: last line longer than {} bytes; starting a new chain", file, MAX_TAIL_BYTES);
                return null;
            }
            return new String(tail, start, end - start, StandardCharsets.UTF_8);
        }
    }
}
