package io.edgeauth.broker.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where finished audit lines go, in the order given: the SLF4J logger {@code audit} (logback.xml writes each
 * message as it is, one per line, to stdout) or a rotating file ({@link RollingFileSink}). One thread (the audit
 * writer) calls it, so a sink sees lines in chain order. A line counts as written once the call returns; a batch
 * that could not be written completely is reported ({@link WriteFailure}) and handed in again from where it stopped.
 */
public interface AuditSink extends AutoCloseable {

    /**
     * A batch not written completely (e.g. "No space left on device"): its first {@link #written()} lines are written
     * whole, the others not at all (no fragment of them is left behind).
     */
    final class WriteFailure extends java.io.IOException {
        private final int written;

        public WriteFailure(int written, java.io.IOException cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
            this.written = written;
        }

        /** Lines of the batch, from its start, that are written. */
        public int written() {
            return written;
        }
    }

    /** Writes one line (without its line end). Sinks that can fail to write override {@link #writeBatch}. */
    void write(String line);

    /**
     * Writes lines in order, as one write where the sink can (a file: one write per chunk); by default line by line.
     *
     * @throws WriteFailure when not every line could be written
     */
    default void writeBatch(java.util.List<String> lines) throws WriteFailure {
        lines.forEach(this::write);
    }

    /** The last line a previous run left in this sink, if the sink can read it back (a file can; stdout cannot). */
    default java.util.Optional<String> lastLine() {
        return java.util.Optional.empty();
    }

    @Override
    default void close() {
    }

    /** Lines to the SLF4J logger {@code audit}. */
    static AuditSink slf4j() {
        return slf4j(LoggerFactory.getLogger("audit"));
    }

    /** Lines to {@code logger} (tests hand in a logger of their own logback context). */
    static AuditSink slf4j(Logger logger) {
        return line -> logger.info("{}", line);
    }
}
