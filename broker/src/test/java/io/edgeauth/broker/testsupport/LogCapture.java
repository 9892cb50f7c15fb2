package io.edgeauth.broker.testsupport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The log lines a broker in this JVM writes while a test runs, from the moment of {@link #root()} or
 * {@link #of(Class)} until {@link #close()}. Broker threads append while the test reads: {@link #events()} copies
 * under the appender's lock, the one logback appends under (streaming the list itself threw
 * ConcurrentModificationException in a JDK 25 run).
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
        appender.start();
        logger.addAppender(appender);
    }

    /** Every log line, the audit logger's included. */
    public static LogCapture root() {
        return new LogCapture((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
    }

    /** The lines of one class's logger. */
    public static LogCapture of(Class<?> type) {
        return new LogCapture((Logger) LoggerFactory.getLogger(type));
    }

    /** A copy of the lines captured so far. */
    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** The lines captured so far but the audit logger's (audit lines are expected at any level). */
    public List<ILoggingEvent> withoutAudit() {
        return events().stream().filter(e -> !e.getLoggerName().equals("audit")).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
