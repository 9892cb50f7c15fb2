package io.edgeauth.broker.coap;

import org.eclipse.californium.core.coap.CoAPMessageFormatException;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.coap.option.StandardOptionRegistry;
import org.eclipse.californium.core.network.serialization.MessageHeader;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.eclipse.californium.elements.util.DatagramReader;

/**
 * Californium's UDP parser, but a message format error (RFC 7252 §3: a token length of 9 to 15, an option delta or
 * length nibble of 15, an option running past the datagram, a payload marker with no payload) in a CON is rejected
 * with an empty RST, as §4.2 asks, instead of Californium's piggy-backed 4.02 (or, for the token length, silence: it
 * throws before it has read the message id). An unrecognized or malformed critical option still gets 4.02 Bad Option
 * (§5.4.1), now also one outside the standard registry. A NON with a format error is dropped, as before. The endpoint sends an RST for a format error that
 * names no response code: that is what these errors are thrown as.
 */
final class StrictUdpDataParser extends UdpDataParser {
    /**
     * With the standard options only: the builder's default parser accepts any option number, critical ones too, so an
     * unrecognized critical option was processed as if absent (RFC 7252 §5.4.1: 4.02); elective ones are ignored.
     */
    StrictUdpDataParser(boolean strictEmptyMessageFormat) {
        super(strictEmptyMessageFormat, StandardOptionRegistry.STANDARD_OPTIONS);
    }

    @Override
    protected MessageHeader parseHeader(DatagramReader reader) {
        if (reader.bytesAvailable(4)) {
            reader.mark();
            int first = reader.read(8);
            int code = reader.read(8);
            int mid = reader.read(16);
            reader.reset();
            int tokenLength = first & 0x0f;
            if (first >> 6 == 1 && tokenLength > 8) {
                throw formatError("token length " + tokenLength, null, mid, code, (first >> 4 & 3) == 0);
            }
        }
        return super.parseHeader(reader);
    }

    @Override
    public void parseOptionsAndPayload(DatagramReader reader, Message message) {
        reader.mark();
        String error = formatError(reader);
        reader.reset();
        if (error != null) {
            throw formatError(error, message.getToken(), message.getMID(), message.getRawCode(),
                    message.isConfirmable());
        }
        super.parseOptionsAndPayload(reader, message);
    }

    /** The message format error in the options and payload, or null: only their framing is checked here. */
    static String formatError(DatagramReader reader) {
        while (reader.bytesAvailable()) {
            int b = reader.read(8);
            if (b == 0xff) {
                return reader.bytesAvailable() ? null : "payload marker without payload";
            }
            int delta = b >> 4;
            int length = b & 0x0f;
            if (delta == 15 || length == 15) {
                return "option delta or length nibble 15";
            }
            if (extended(reader, delta) < 0) {
                return "option delta past the message";
            }
            length = extended(reader, length);
            if (length < 0 || !reader.bytesAvailable(length)) {
                return "option past the message";
            }
            reader.readBytes(length);
        }
        return null;
    }

    /** The value of a 4-bit delta or length with its extended bytes, or -1 if they are missing. */
    private static int extended(DatagramReader reader, int nibble) {
        if (nibble < 13) {
            return nibble;
        }
        int bytes = nibble == 13 ? 1 : 2;
        if (!reader.bytesAvailable(bytes)) {
            return -1;
        }
        return nibble == 13 ? reader.read(8) + 13 : reader.read(16) + 269;
    }

    private static CoAPMessageFormatException formatError(String what, org.eclipse.californium.core.coap.Token token,
                                                          int mid, int code, boolean confirmable) {
        return new CoAPMessageFormatException("message format error: " + what, token, mid, code, confirmable, null);
    }
}
