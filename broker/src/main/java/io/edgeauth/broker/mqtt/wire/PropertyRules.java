package io.edgeauth.broker.mqtt.wire;

import io.netty.buffer.ByteBuf;

/**
 * MQTT 5 property sections of the packets a client sends, checked on the raw bytes (MQTT 5 §2.2.2.2): Netty's
 * decoder keeps only the last of a repeated property, so a duplicate can only be seen here. Malformed (0x81): an
 * identifier unknown or not valid for the packet, a value running past the section or the section past the
 * packet. Protocol error (0x82): a property other than a user property given twice, a value the specification
 * forbids (Receive Maximum or Maximum Packet Size 0, Payload Format Indicator, Request Problem Information or
 * Request Response Information over 1, Subscription Identifier 0), a Subscription Identifier in a client's
 * PUBLISH (§3.3.4), Authentication Data without an Authentication Method (§3.1.2.11.10). String properties and user property pairs must be well-formed UTF-8 without U+0000
 * ({@link Utf8Strings}). Stateless.
 */
final class PropertyRules {
    /** Where a property section is: the packets (and the will) that carry one, as bits. */
    static final int CONNECT = 1;
    static final int WILL = 2;
    static final int PUBLISH = 4;
    static final int PUBLISH_REPLY = 8;
    static final int SUBSCRIBE = 16;
    static final int UNSUBSCRIBE = 32;
    static final int DISCONNECT = 64;
    static final int AUTH = 128;

    private static final int BYTE = 1;
    private static final int TWO_BYTES = 2;
    private static final int FOUR_BYTES = 4;
    private static final int VARIABLE = 5;
    private static final int STRING = 6;
    private static final int BINARY = 7;
    private static final int PAIR = 8;
    private static final int USER_PROPERTY = 0x26;
    private static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    private static final int MESSAGE = WILL | PUBLISH;

    private PropertyRules() {
    }

    /**
     * Checks the property section that starts at {@code index} (its Variable Byte Integer length first) and must end
     * by {@code end}; returns the index after it.
     *
     * @throws WireViolation what is wrong with it
     */
    static int check(ByteBuf b, int index, int end, int where, int version) {
        long lengthAndSize = PacketFrames.varInt(b, index, end, version);
        int sectionEnd = index + (int) (lengthAndSize >>> 32) + (int) lengthAndSize;
        if (sectionEnd > end || sectionEnd < index) {
            throw WireViolation.malformed("properties past the packet's end", version);
        }
        int i = index + (int) lengthAndSize;
        long seen = 0;
        while (i < sectionEnd) {
            int id = b.getUnsignedByte(i++);
            int rule = rule(id);
            if (rule == 0 || (rule >>> 8 & where) == 0) {
                if (id == SUBSCRIPTION_IDENTIFIER && where == PUBLISH) {
                    throw WireViolation.protocolError("a client's PUBLISH with a Subscription Identifier", version);
                }
                throw WireViolation.malformed("property " + id + " is not valid in this packet", version);
            }
            if (id != USER_PROPERTY) {
                if ((seen & 1L << id) != 0) {
                    throw WireViolation.protocolError("property " + id + " given twice", version);
                }
                seen |= 1L << id;
            }
            int type = rule & 0xff;
            long value;
            switch (type) {
                case BYTE, TWO_BYTES, FOUR_BYTES -> {
                    need(i, type, sectionEnd, version);
                    value = type == BYTE ? b.getUnsignedByte(i) : type == TWO_BYTES ? b.getUnsignedShort(i)
                            : b.getUnsignedInt(i);
                    i += type;
                }
                case VARIABLE -> {
                    long v = PacketFrames.varInt(b, i, sectionEnd, version);
                    value = v >>> 32;
                    i += (int) v;
                }
                case PAIR -> {
                    i = Utf8Strings.skip(b, Utf8Strings.skip(b, i, sectionEnd, version, false), sectionEnd, version, false);
                    value = -1;
                }
                case STRING -> {
                    i = Utf8Strings.skip(b, i, sectionEnd, version, false);
                    value = -1;
                }
                default -> { // BINARY
                    i = skipString(b, i, sectionEnd, version);
                    value = -1;
                }
            }
            checkValue(id, value, version);
        }
        if ((seen & 1L << 0x16) != 0 && (seen & 1L << 0x15) == 0) { // §3.1.2.11.10, §3.15.2.2.3
            throw WireViolation.protocolError("Authentication Data without an Authentication Method", version);
        }
        return sectionEnd;
    }

    /** The index after a two-byte-length string or binary value at {@code i} that must end by {@code end}. */
    static int skipString(ByteBuf b, int i, int end, int version) {
        need(i, 2, end, version);
        int after = i + 2 + b.getUnsignedShort(i);
        if (after > end) {
            throw WireViolation.malformed("a string past its packet's end", version);
        }
        return after;
    }

    private static void need(int i, int n, int end, int version) {
        if (i + n > end) {
            throw WireViolation.malformed("a value past its packet's end", version);
        }
    }

    private static void checkValue(int id, long value, int version) {
        boolean forbidden = switch (id) {
            case 0x01, 0x17, 0x19 -> value > 1; // Payload Format, Request Problem / Response Information
            case 0x21, 0x27, SUBSCRIPTION_IDENTIFIER -> value == 0; // Receive Maximum, Maximum Packet Size
            default -> false;
        };
        if (forbidden) {
            throw WireViolation.protocolError("property " + id + " with the value " + value, version);
        }
    }

    /** The data type (low byte) and where the property may be sent by a client (bits above), or 0: unknown. */
    private static int rule(int id) {
        return switch (id) {
            case 0x01 -> BYTE | MESSAGE << 8; // Payload Format Indicator
            case 0x02 -> FOUR_BYTES | MESSAGE << 8; // Message Expiry Interval
            case 0x03, 0x08 -> STRING | MESSAGE << 8; // Content Type, Response Topic
            case 0x09 -> BINARY | MESSAGE << 8; // Correlation Data
            case SUBSCRIPTION_IDENTIFIER -> VARIABLE | SUBSCRIBE << 8;
            case 0x11 -> FOUR_BYTES | (CONNECT | DISCONNECT) << 8; // Session Expiry Interval
            case 0x15 -> STRING | (CONNECT | AUTH) << 8; // Authentication Method
            case 0x16 -> BINARY | (CONNECT | AUTH) << 8; // Authentication Data
            case 0x17, 0x19 -> BYTE | CONNECT << 8; // Request Problem / Response Information
            case 0x18 -> FOUR_BYTES | WILL << 8; // Will Delay Interval
            case 0x1C -> STRING | DISCONNECT << 8; // Server Reference
            case 0x1F -> STRING | (PUBLISH_REPLY | DISCONNECT | AUTH) << 8; // Reason String
            case 0x21, 0x22 -> TWO_BYTES | CONNECT << 8; // Receive Maximum, Topic Alias Maximum
            case 0x23 -> TWO_BYTES | PUBLISH << 8; // Topic Alias (its value: the edge's 0x94)
            case USER_PROPERTY -> PAIR | 0xff << 8;
            case 0x27 -> FOUR_BYTES | CONNECT << 8; // Maximum Packet Size
            default -> 0; // CONNACK's and unknown identifiers: never valid from a client
        };
    }
}
