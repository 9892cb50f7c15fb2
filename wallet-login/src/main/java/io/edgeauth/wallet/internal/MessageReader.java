package io.edgeauth.wallet.internal;

import io.edgeauth.wallet.SiweErrorCode;
import io.edgeauth.wallet.SiweException;
import io.edgeauth.wallet.SiweMessage;

/**
 * One pass over the lines of one EIP-4361 message: checks the fixed layout (line order, empty
 * lines, tags) and hands each field to {@link SiweMessage.Builder}, whose {@code build()} checks the
 * field grammar. Linear in the input. Not thread-safe: one instance per parse, created by
 * {@link #read(String)}.
 */
public final class MessageReader {
    private final String text;
    private int pos; // start of the next unread line, or text.length() + 1 at the end
    private int lineNo;

    private MessageReader(String text) {
        this.text = text;
    }

    private boolean atEnd() {
        return pos > text.length();
    }

    /** @return the next line without its LF, or null after the last line */
    private String nextLine() {
        if (atEnd()) {
            return null;
        }
        int lf = text.indexOf('\n', pos);
        int end = lf < 0 ? text.length() : lf;
        String line = text.substring(pos, end);
        pos = end + 1;
        lineNo++;
        return line;
    }

    private String peekLine() {
        if (atEnd()) {
            return null;
        }
        int lf = text.indexOf('\n', pos);
        return text.substring(pos, lf < 0 ? text.length() : lf);
    }

    private SiweException malformed(String what) {
        return new SiweException(SiweErrorCode.MALFORMED_MESSAGE, what);
    }

    private String expectTagged(String tag, String fieldName, SiweErrorCode missingCode) throws SiweException {
        String line = nextLine();
        if (line == null || !line.startsWith(tag)) {
            String found = line == null ? "end of message" : Fields.quote(line);
            // another field's tag here means the order is wrong, not that this field is bad
            SiweErrorCode code = line != null && isOtherTag(line) ? SiweErrorCode.MALFORMED_MESSAGE : missingCode;
            throw new SiweException(code, "line " + (line == null ? lineNo + 1 : lineNo) + ": expected '"
                    + tag + "' (" + fieldName + "), found " + found
                    + (code == SiweErrorCode.MALFORMED_MESSAGE ? " (fields out of EIP-4361 order)" : ""));
        }
        return line.substring(tag.length());
    }

    private void expectEmpty(String why) throws SiweException {
        String line = nextLine();
        if (line == null || !line.isEmpty()) {
            throw malformed("line " + lineNo + ": expected an empty line " + why + ", found "
                    + (line == null ? "end of message" : Fields.quote(line)));
        }
    }

    /**
     * @param text message text, already checked against the size limit
     * @return the message
     * @throws SiweException the first line or field that breaks the EIP-4361 ABNF
     */
    public static SiweMessage read(String text) throws SiweException {
        return new MessageReader(text).readAll();
    }

    private SiweMessage readAll() throws SiweException {
        // Every EIP-4361 message ends with a non-empty field line; clients that append a newline
        // sign different bytes, so say so plainly instead of blaming the last field.
        if (text.endsWith("\n")) {
            throw malformed("message ends with a line feed; EIP-4361 messages have no trailing line feed");
        }
        SiweMessage.Builder b = SiweMessage.builder();
        String first = nextLine();
        if (!first.endsWith(SiweMessage.PREAMBLE_SUFFIX)) {
            throw malformed("line 1: expected '[scheme://]domain" + SiweMessage.PREAMBLE_SUFFIX + "', found "
                    + Fields.quote(first));
        }
        String origin = first.substring(0, first.length() - SiweMessage.PREAMBLE_SUFFIX.length());
        // "://" cannot occur inside an authority ('/' is not allowed there), so this split is exact.
        int sep = origin.indexOf("://");
        if (sep >= 0) {
            b.scheme(origin.substring(0, sep));
            origin = origin.substring(sep + 3);
        }
        b.domain(origin);

        String address = nextLine();
        if (address == null || address.isEmpty()) {
            throw new SiweException(SiweErrorCode.INVALID_ADDRESS, "line 2: address is missing");
        }
        b.address(address);
        expectEmpty("after the address");

        // [ statement LF ] LF : an empty line here means there is no statement
        String line = nextLine();
        if (line == null) {
            throw malformed("line " + (lineNo + 1) + ": message ends after the address");
        }
        if (!line.isEmpty()) {
            String after = peekLine();
            if (line.startsWith("URI: ") && after != null && !after.isEmpty()) {
                // an older draft of EIP-4361 had one empty line fewer when there is no statement
                throw malformed("line " + lineNo + ": expected a statement or an empty line, found "
                        + Fields.quote(line) + " (without a statement, EIP-4361 puts two empty lines before 'URI: ')");
            }
            b.statement(line);
            expectEmpty("after the statement (a statement is a single line)");
        }
        b.uri(expectTagged("URI: ", "URI", SiweErrorCode.INVALID_URI));
        b.version(expectTagged("Version: ", "version", SiweErrorCode.UNSUPPORTED_VERSION));
        b.chainId(expectTagged("Chain ID: ", "chain ID", SiweErrorCode.INVALID_CHAIN_ID));
        b.nonce(expectTagged("Nonce: ", "nonce", SiweErrorCode.INVALID_NONCE));
        b.issuedAt(expectTagged("Issued At: ", "issued-at time", SiweErrorCode.INVALID_TIMESTAMP));
        if (startsWith("Expiration Time: ")) {
            b.expirationTime(nextLine().substring("Expiration Time: ".length()));
        }
        if (startsWith("Not Before: ")) {
            b.notBefore(nextLine().substring("Not Before: ".length()));
        }
        if (startsWith("Request ID: ")) {
            b.requestId(nextLine().substring("Request ID: ".length()));
        }
        String res = peekLine();
        if ("Resources:".equals(res)) {
            nextLine();
            while (!atEnd()) {
                String item = nextLine();
                if (!item.startsWith("- ")) {
                    throw new SiweException(isOtherTag(item) ? SiweErrorCode.MALFORMED_MESSAGE
                            : SiweErrorCode.INVALID_RESOURCE, "line " + lineNo
                            + ": expected '- ' followed by a resource URI, found " + Fields.quote(item));
                }
                b.addResource(item.substring(2));
            }
        }
        if (!atEnd()) {
            String extra = nextLine();
            throw malformed("line " + lineNo + ": unexpected " + (extra.isEmpty() ? "empty line" : Fields.quote(extra))
                    + " (fields must appear in EIP-4361 order, without a trailing line feed)");
        }
        return b.build();
    }

    private static final String[] TAGS = {"URI: ", "Version: ", "Chain ID: ", "Nonce: ", "Issued At: ",
        "Expiration Time: ", "Not Before: ", "Request ID: ", "Resources:"};

    private static boolean isOtherTag(String line) {
        for (String t : TAGS) {
            if (line.startsWith(t)) {
                return true;
            }
        }
        return false;
    }

    private boolean startsWith(String tag) {
        String next = peekLine();
        return next != null && next.startsWith(tag);
    }
}
