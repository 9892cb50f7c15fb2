package io.edgeauth.broker.audit;

import ch.qos.logback.core.ContextBase;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit lines to a file that logback's {@link RollingFileAppender} rotates by size and day: the active file is
 * {@code file}, rotated ones {@code file.<yyyy-MM-dd>.<n>} next to it, at most {@code maxHistory} days kept and, with
 * a total size cap, the oldest rotated files deleted (at each rotation) while their total passes it. The
 * appender belongs to this sink (not to a logger), so several brokers in one JVM never share a file. Reads the
 * active file's last line back at start so the hash chain continues across restarts and rotations.
 */
public final class RollingFileSink implements AuditSink {
    private static final Logger LOG = LoggerFactory.getLogger(RollingFileSink.class);
    private static final int MAX_TAIL_BYTES = 1 << 20;
    /** Bytes of lines written (and flushed) at once at most. */
    static final int MAX_CHUNK_BYTES = 64 * 1024;

    private final Path file;
    private final String lastLine;
    private final long chunkBytes;
    private final RollingFileAppender<String> appender = new RollingFileAppender<>();
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
     * @param maxFileSize logback size, e.g. {@code 100MB}: the file rotates when a line would pass it
     * @param maxHistory  days of rotated files kept (0: keep all)
     */
    public RollingFileSink(Path file, String maxFileSize, int maxHistory) throws IOException {
        this(file, maxFileSize, maxHistory, null);
    }

    /**
     * @param totalSizeCap logback size bounding the rotated files together (null: no bound); the active file is not
     *                     counted
     */
    public RollingFileSink(Path file, String maxFileSize, int maxHistory, String totalSizeCap) throws IOException {
        this.file = file.toAbsolutePath();
        Path dir = this.file.getParent();
        Files.createDirectories(dir);
        chunkBytes = Math.min(MAX_CHUNK_BYTES, FileSize.valueOf(maxFileSize).getSize() / 8);
        completeLastLine(this.file);
        lastLine = readLastLine(this.file);
        context.setName("edgeauth-audit");
        SizeAndTimeBasedRollingPolicy<String> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(this.file + ".%d{yyyy-MM-dd}.%i");
        policy.setMaxFileSize(FileSize.valueOf(maxFileSize));
        policy.setMaxHistory(maxHistory);
        if (totalSizeCap != null) {
            policy.setTotalSizeCap(FileSize.valueOf(totalSizeCap));
        }
        appender.setContext(context);
        appender.setName("audit-file");
        appender.setFile(this.file.toString());
        appender.setRollingPolicy(policy);
        appender.setEncoder(new LineEncoder());
        appender.setImmediateFlush(true);
        policy.start();
        appender.start();
        if (!appender.isStarted()) {
            throw new IOException("audit file " + this.file + " cannot be opened: " + errors());
        }
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
        appender.doAppend(line);
    }

    /**
     * The batch in as few appender events as the size limit allows: one write and one flush per chunk of at most
     * {@link #MAX_CHUNK_BYTES} (an eighth of {@code maxFileSize} if smaller), so a file passes its size by one chunk at
     * most. Rotation falls between chunks; the chain does not care where.
     */
    @Override
    public void writeBatch(List<String> lines) {
        StringBuilder chunk = new StringBuilder();
        for (String line : lines) {
            if (chunk.length() > 0 && chunk.length() + line.length() + 1 > chunkBytes) {
                appender.doAppend(chunk.toString());
                chunk.setLength(0);
            }
            if (chunk.length() > 0) {
                chunk.append('\n');
            }
            chunk.append(line);
        }
        if (chunk.length() > 0) {
            appender.doAppend(chunk.toString());
        }
    }

    @Override
    public Optional<String> lastLine() {
        return Optional.ofNullable(lastLine);
    }

    @Override
    public void close() {
        appender.stop(); // waits for the last rotation's clean-up
        cleanups.shutdown();
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

    /** Each line as UTF-8 followed by LF. */
    private static final class LineEncoder extends EncoderBase<String> {
        @Override
        public byte[] headerBytes() {
            return null;
        }

        @Override
        public byte[] encode(String line) {
            return (line + "\n").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] footerBytes() {
            return null;
        }
    }
}
