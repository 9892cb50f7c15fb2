package io.edgeauth.broker.provisioning;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Splits a byte stream into NDJSON lines as chunks arrive, holding at most one line: a line longer than
 * the limit is reported as oversized and skipped up to its newline, and the stream goes on (Vert.x's
 * {@code RecordParser} stops the whole stream at an oversized record, which would let one bad line abort
 * the good ones after it). A line that is not UTF-8 is reported as such, not decoded with U+FFFD in place of its bad
 * bytes (a JSON body that is not UTF-8 is refused, RFC 8259 §8.1; a replaced byte would be stored as a character the
 * file never held). Line numbers count every line, blank ones included, from 1. Not thread-safe: one instance per
 * stream.
 */
public final class NdjsonLines {
    /** Why a line longer than the limit has no text. */
    public static final String TOO_LONG = "line too long";
    /** Why a line that is not UTF-8 has no text. */
    public static final String NOT_UTF8 = "not UTF-8 (NDJSON is UTF-8; the line is skipped, not read with its bad bytes"
            + " replaced)";

    /** Receives each non-blank line: its text, or null text and why the line cannot be read ({@link #TOO_LONG}, ...). */
    @FunctionalInterface
    public interface Sink {
        void line(long number, String text, String unreadable);
    }

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private final int maxLineBytes;
    private final Sink sink;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private long number = 1;
    private boolean oversized;

    public NdjsonLines(int maxLineBytes, Sink sink) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.maxLineBytes = maxLineBytes;
        this.sink = sink;
    }

    /** Feeds the next chunk of the stream. */
    public void feed(byte[] chunk, int offset, int length) {
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (chunk[i] == '\n') {
                append(chunk, start, i - start);
                emit();
                start = i + 1;
            }
        }
        append(chunk, start, end - start);
    }

    /** Ends the stream: a last line without a newline is a line too. */
    public void finish() {
        if (current.size() > 0 || oversized) {
            emit();
        }
    }

    private void append(byte[] chunk, int offset, int length) {
        if (oversized || length == 0) {
            return;
        }
        if (current.size() + length > maxLineBytes) {
            oversized = true;
            current.reset();
            return;
        }
        current.write(chunk, offset, length);
    }

    private void emit() {
        long n = number++;
        if (oversized) {
            oversized = false;
            sink.line(n, null, TOO_LONG);
            return;
        }
        String text;
        try {
            text = utf8.decode(ByteBuffer.wrap(current.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            sink.line(n, null, NOT_UTF8);
            return;
        } finally {
            current.reset();
        }
        if (!text.isBlank()) {
            sink.line(n, text.endsWith("\r") ? text.substring(0, text.length() - 1) : text, null);
        }
    }
}
