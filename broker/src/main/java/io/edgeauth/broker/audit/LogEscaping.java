package io.edgeauth.broker.audit;

import ch.qos.logback.classic.pattern.ExtendedThrowableProxyConverter;
import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * Log lines nobody can forge: the operational log's message and exception messages are written with line breaks
 * and other control and format characters escaped ({@code \n}, {@code \r}, {@code \}{@code uXXXX}), so a client string that
 * reaches a message (a client id, a topic, a request option echoed by a library) stays inside its own line and can
 * never start a line that looks like an audit event. Registered in logback.xml as {@code %safeMsg} and
 * {@code %safeEx}; the audit appender's JSON encoder escapes by itself. Stateless and thread-safe.
 */
public final class LogEscaping {
    private LogEscaping() {
    }

    /**
     * {@code s} with CR, LF, other C0/C1 controls, U+2028/U+2029 and Unicode format characters (bidi overrides and
     * isolates, zero-width characters: they reorder or hide text on an operator's console) escaped; tabs kept; null
     * stays null.
     */
    public static String escape(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean unsafe = (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                    || Character.getType(c) == Character.FORMAT;
            if (unsafe && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (!unsafe) {
                    out.append(c);
                } else if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        return out == null ? s : out.toString();
    }

    /** {@code %safeMsg}: the formatted message, escaped. */
    public static final class MessageEscaper extends MessageConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return escape(super.convert(event));
        }
    }

    /** {@code %safeEx}: the stack trace as {@code %xEx} writes it, with every exception message escaped. */
    public static final class ThrowableEscaper extends ExtendedThrowableProxyConverter {
        @Override
        protected String throwableProxyToString(IThrowableProxy tp) {
            return super.throwableProxyToString(new EscapedProxy(tp));
        }
    }

    /** A throwable proxy whose message (and its causes' and suppressed ones') is escaped. */
    private record EscapedProxy(IThrowableProxy delegate) implements IThrowableProxy {
        @Override
        public String getMessage() {
            return escape(delegate.getMessage());
        }

        @Override
        public String getClassName() {
            return delegate.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return delegate.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return delegate.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return delegate.getCause() == null ? null : new EscapedProxy(delegate.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] s = delegate.getSuppressed();
            if (s == null) {
                return null;
            }
            IThrowableProxy[] out = new IThrowableProxy[s.length];
            for (int i = 0; i < s.length; i++) {
                out[i] = new EscapedProxy(s[i]);
            }
            return out;
        }

        @Override
        public boolean isCyclic() {
            return delegate.isCyclic();
        }
    }
}
