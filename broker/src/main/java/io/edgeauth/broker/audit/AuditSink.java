package io.edgeauth.broker.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where finished audit lines go, in the order given: the SLF4J logger {@code audit} (logback.xml writes each
 * message as it is, one per line, to stdout) or a rotating file ({@link RollingFileSink}). One thread (the audit
 * writer) calls it, so a sink sees lines in chain order. A line counts as written once the call returns.
 */
public interface AuditSink extends AutoCloseable {

    /** Writes one line (without its line end). Never throws for I/O trouble: it is reported by the sink. */
    void write(String line);

    /**
     * Writes lines in order, as one write where the sink can (a file: one write and flush per batch); by default
     * line by line.
     */
    default void writeBatch(java.util.List<String> lines) {
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
