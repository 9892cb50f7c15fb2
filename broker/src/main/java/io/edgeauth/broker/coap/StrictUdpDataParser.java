package io.edgeauth.broker.coap;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.CoAPOptionException;
import org.eclipse.californium.core.coap.CoAPMessageFormatException;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.coap.Option;
import org.eclipse.californium.core.coap.OptionNumberRegistry;
import org.eclipse.californium.core.coap.option.MapBasedOptionRegistry;
import org.eclipse.californium.core.coap.option.OptionDefinition;
import org.eclipse.californium.core.coap.option.OptionRegistry;
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
 * <p>
 * Since 2026-12-07 (tour R) also, where Californium was lenient: a critical option repeated though defined once, or
 * one whose value is longer than its definition allows, gets 4.02 (§5.4.5, §5.4.3; an elective one that is too long
 * is ignored, as an unrecognized one); Q-Block1/Q-Block2 (RFC 9177, critical; the edge does not implement them) are
 * left out of the registry, so they get 4.02 and the client falls back to Block1/Block2 (RFC 9177 §4); an ACK or
 * RST carrying a request is ignored (§4.2, §4.3: rejecting an ACK or RST is ignoring it); a method code the edge
 * does not know (0.08 to 0.31) gets 4.05 (§5.8), not 4.02.
 */
final class StrictUdpDataParser extends UdpDataParser {
    /**
     * With the standard options only: the builder's default parser accepts any option number, critical ones too, so an
     * unrecognized critical option was processed as if absent (RFC 7252 §5.4.1: 4.02); elective ones are ignored.
     */
    StrictUdpDataParser(boolean strictEmptyMessageFormat) {
        super(strictEmptyMessageFormat, OPTIONS);
    }

    /** The standard options but Q-Block1 and Q-Block2, which nothing here implements (RFC 9177 §4: 4.02 for them). */
    static final OptionRegistry OPTIONS = new MapBasedOptionRegistry(StandardOptionRegistry.IF_MATCH,
            StandardOptionRegistry.URI_HOST, StandardOptionRegistry.ETAG, StandardOptionRegistry.IF_NONE_MATCH,
            StandardOptionRegistry.URI_PORT, StandardOptionRegistry.LOCATION_PATH, StandardOptionRegistry.URI_PATH,
            StandardOptionRegistry.CONTENT_FORMAT, StandardOptionRegistry.MAX_AGE, StandardOptionRegistry.URI_QUERY,
            StandardOptionRegistry.ACCEPT, StandardOptionRegistry.LOCATION_QUERY, StandardOptionRegistry.PROXY_URI,
            StandardOptionRegistry.PROXY_SCHEME, StandardOptionRegistry.SIZE1, StandardOptionRegistry.OBSERVE,
            StandardOptionRegistry.BLOCK1, StandardOptionRegistry.BLOCK2, StandardOptionRegistry.SIZE2,
            StandardOptionRegistry.OSCORE, StandardOptionRegistry.ECHO, StandardOptionRegistry.NO_RESPONSE,
            StandardOptionRegistry.REQUEST_TAG);

    @Override
    protected MessageHeader parseHeader(DatagramReader reader) {
        MessageHeader header = parseHeaderFramed(reader);
        int code = header.getCode();
        boolean request = code >> 5 == 0 && code != 0;
        if (request && (header.getType() == CoAP.Type.ACK || header.getType() == CoAP.Type.RST)) {
            // Californium would take it as a request: not confirmable here, so the endpoint drops it in silence
            throw formatError("request in an " + header.getType(), header.getToken(), header.getMID(), code, false);
        }
        if (request && (code & 0x1f) > LAST_KNOWN_METHOD) {
            // Californium throws 4.02 for a method it cannot name; RFC 7252 §5.8 wants 4.05
            throw new CoAPMessageFormatException("unknown method code 0." + (code & 0x1f), header.getToken(),
                    header.getMID(), code, header.getType() == CoAP.Type.CON, CoapCodes.UNKNOWN_METHOD);
        }
        return header;
    }

    /** iPATCH (0.07), the last method code Californium knows. */
    private static final int LAST_KNOWN_METHOD = 7;

    private MessageHeader parseHeaderFramed(DatagramReader reader) {
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
        reader.mark();
        String repeated = repeatedCriticalOption(reader, message.getRawCode());
        reader.reset();
        if (repeated != null) { // RFC 7252 §5.4.5: the second occurrence is an unrecognized (here critical) option
            throw new CoAPMessageFormatException(repeated, message.getToken(), message.getMID(), message.getRawCode(),
                    message.isConfirmable(), CoapCodes.UNUSABLE_OPTION);
        }
        super.parseOptionsAndPayload(reader, message);
    }

    /**
     * An option value longer than its definition allows is an unrecognized option (RFC 7252 §5.4.3): a critical one
     * is refused (4.02, thrown as Californium throws an unknown critical option), an elective one ignored. Californium
     * checks integer options without their leading zero bytes, so a 3-byte Accept passed.
     */
    @Override
    public Option createOption(int code, int optionNumber, byte[] value) {
        OptionDefinition definition = optionRegistry.getDefinitionByNumber(code, optionNumber);
        if (definition != null && value.length > definition.getValueLengths()[1]) {
            if (OptionNumberRegistry.isCritical(optionNumber)) {
                throw new IllegalArgumentException("option " + optionNumber + " of " + value.length + " bytes");
            }
            return null;
        }
        if ((optionNumber == OptionNumberRegistry.URI_PATH || optionNumber == OptionNumberRegistry.URI_QUERY)
                && !utf8(value)) {
            // Californium decodes strings leniently: the bytes became U+FFFD, and telemetry was published under a
            // topic the device never sent (RFC 7252 §3.2: strings are UTF-8; tour R, R15)
            throw new CoAPOptionException("option " + optionNumber + " is not UTF-8", CoapCodes.NOT_UTF8);
        }
        return super.createOption(code, optionNumber, value);
    }

    private static boolean utf8(byte[] value) {
        for (byte b : value) {
            if (b < 0) { // not ASCII: decode strictly, which is rarer and dearer
                try {
                    StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(value));
                    return true;
                } catch (CharacterCodingException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A critical option defined once that the (well-framed) options hold twice, described, or null. */
    private String repeatedCriticalOption(DatagramReader reader, int code) {
        int number = 0;
        int last = -1;
        while (reader.bytesAvailable()) {
            int b = reader.read(8);
            if (b == 0xff) {
                return null;
            }
            number += extended(reader, b >> 4);
            reader.readBytes(extended(reader, b & 0x0f));
            if (number == last && OptionNumberRegistry.isCritical(number)) { // options come sorted: repeats adjoin
                OptionDefinition definition = optionRegistry.getDefinitionByNumber(code, number);
                if (definition != null && definition.isSingleValue()) {
                    return "option " + number + " repeated";
                }
            }
            last = number;
        }
        return null;
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
