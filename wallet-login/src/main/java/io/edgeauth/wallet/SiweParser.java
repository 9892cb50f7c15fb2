package io.edgeauth.wallet;

import io.edgeauth.wallet.internal.MessageReader;

/**
 * Parses EIP-4361 message text into a {@link SiweMessage}, following the ABNF of the EIP exactly:
 * fixed line order, LF line ends, no trailing LF, every field checked by its own rule.
 *
 * <p>Input is hostile: its size is checked before anything else (default
 * {@value #DEFAULT_MAX_LENGTH} characters; all valid messages are ASCII, so characters equal bytes),
 * the walk over it is linear, and the only exception it throws is {@link SiweException}.
 * Immutable and thread-safe.
 */
public final class SiweParser {
    /** Default size limit: 8 KiB is far above any real sign-in message (typically ~400 bytes). */
    public static final int DEFAULT_MAX_LENGTH = 8 * 1024;

    private static final SiweParser DEFAULT = new SiweParser(DEFAULT_MAX_LENGTH);

    private final int maxLength;

    /** @param maxLength largest accepted message, in characters (= bytes for valid messages) */
    public SiweParser(int maxLength) {
        if (maxLength < 256) {
            throw new IllegalArgumentException("maxLength must be at least 256, got " + maxLength);
        }
        this.maxLength = maxLength;
    }

    /** @return a parser with the {@value #DEFAULT_MAX_LENGTH}-character limit */
    public static SiweParser defaultParser() {
        return DEFAULT;
    }

    /** Parses with the default parser. @see #parseMessage(String) */
    public static SiweMessage parse(String message) throws SiweException {
        return DEFAULT.parseMessage(message);
    }

    /**
     * @param message the exact text the wallet signed
     * @return the parsed message
     * @throws SiweException {@link SiweErrorCode#MESSAGE_TOO_LARGE} before parsing, otherwise the
     *     code of the first line or field that breaks the ABNF
     */
    public SiweMessage parseMessage(String message) throws SiweException {
        if (message == null) {
            throw new SiweException(SiweErrorCode.MALFORMED_MESSAGE, "message is missing");
        }
        if (message.length() > maxLength) {
            throw new SiweException(SiweErrorCode.MESSAGE_TOO_LARGE, "message is " + message.length()
                    + " characters, the limit is " + maxLength);
        }
        try {
            return MessageReader.read(message);
        } catch (SiweException e) {
            throw e;
        } catch (RuntimeException e) {
            // Defence in depth: a bug must not turn hostile input into an unexpected exception type.
            throw new SiweException(SiweErrorCode.MALFORMED_MESSAGE, "message could not be parsed", e);
        }
    }
}
