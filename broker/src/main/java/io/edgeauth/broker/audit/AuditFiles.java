package io.edgeauth.broker.audit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads audit files as one stream of lines for {@link ChainVerifier}, each with its {@code file:line} reference and
 * the hash of its exact bytes (the line end, LF, excluded; anything else, a CR too, counts). A line longer than
 * {@value #MAX_LINE_BYTES} bytes is returned as a marker that no parser takes for a record. Not thread-safe.
 */
public final class AuditFiles {
    static final int MAX_LINE_BYTES = 1 << 20;

    /** One line: where it is, its text, and {@link AuditLine#hash} of its bytes. */
    public record Line(String ref, String text, String hash) {
    }

    private AuditFiles() {
    }

    /**
     * Several files in chain order: sorted by the {@code seq} of their first line (rotated files in any order, as a
     * shell glob lists them); a file whose first line has no seq keeps its place relative to the others.
     */
    public static List<Path> order(List<Path> files) throws IOException {
        if (files.size() < 2) {
            return files;
        }
        List<long[]> keyed = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            keyed.add(new long[] {firstSeq(files.get(i)), i});
        }
        keyed.sort(Comparator.<long[]>comparingLong(k -> k[0]).thenComparingLong(k -> k[1]));
        List<Path> out = new ArrayList<>();
        keyed.forEach(k -> out.add(files.get((int) k[1])));
        return out;
    }

    private static long firstSeq(Path file) throws IOException {
        try (Lines lines = open(List.of(file))) {
            if (!lines.hasNext()) {
                return Long.MAX_VALUE;
            }
            try {
                var n = AuditLine.JSON.readTree(lines.next().text());
                return n != null && n.path("seq").isIntegralNumber() ? n.get("seq").asLong() : Long.MAX_VALUE;
            } catch (IOException | RuntimeException e) {
                return Long.MAX_VALUE;
            }
        }
    }

    /** The lines of {@code files}, one after the other. */
    public static Lines open(List<Path> files) throws IOException {
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                throw new IOException("cannot read " + f);
            }
        }
        return new Lines(files);
    }

    /** An iterator over the lines of several files; I/O failures surface as {@link UncheckedIOException}. */
    public static final class Lines implements Iterator<Line>, Closeable {
        private final Iterator<Path> files;
        private InputStream in;
        private String name;
        private long number;
        private Line next;

        private Lines(List<Path> files) {
            this.files = files.iterator();
        }

        @Override
        public boolean hasNext() {
            try {
                while (next == null) {
                    if (in == null) {
                        if (!files.hasNext()) {
                            return false;
                        }
                        Path f = files.next();
                        in = new BufferedInputStream(Files.newInputStream(f), 1 << 16);
                        name = String.valueOf(f.getFileName());
                        number = 0;
                    }
                    next = read();
                    if (next == null) {
                        in.close();
                        in = null;
                    }
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Line next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Line l = next;
            next = null;
            return l;
        }

        private Line read() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
            boolean tooLong = false;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (buf.size() < MAX_LINE_BYTES) {
                    buf.write(b);
                } else {
                    tooLong = true;
                }
            }
            if (b == -1 && buf.size() == 0) {
                return null;
            }
            number++;
            String ref = LogEscaping.escape(name) + ":" + number;
            if (tooLong) {
                return new Line(ref, "<line longer than " + MAX_LINE_BYTES + " bytes>", "");
            }
            byte[] bytes = buf.toByteArray();
            return new Line(ref, new String(bytes, StandardCharsets.UTF_8), AuditLine.hash(bytes, bytes.length));
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
