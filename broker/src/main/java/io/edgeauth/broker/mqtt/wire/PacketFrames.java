package io.edgeauth.broker.mqtt.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Cuts the byte stream into whole MQTT packets in front of Netty's {@code MqttDecoder} and walks each packet's
 * fields within its remaining length first. Why: that decoder (4.2, a {@code ReplayingDecoder}) does not bound
 * its reads by the remaining length. A PINGREQ with a body, or a PUBACK, DISCONNECT or AUTH with bytes after
 * their properties, left those bytes to be decoded as the next packet; a field that runs past the end (a client's
 * 2-byte CONNACK read as MQTT 5 with properties, a topic length beyond the packet) made it wait for, and eat, the
 * following packets: the connection hung or desynchronised. Fed whole, checked packets it cannot. Here also:
 * what the decoder accepts and MQTT calls malformed or a protocol error (MQTT 5 §4.13) and only the raw bytes
 * show: the property sections ({@link PropertyRules}: duplicates, identifiers not valid in the packet), a
 * CONNECT's will QoS or retain without the will flag (§3.1.2.6, §3.1.2.7), SUBSCRIBE options with reserved bits,
 * Retain Handling 3 or No Local on a shared subscription (§3.8.3.1), SUBSCRIBE and UNSUBSCRIBE without a topic
 * filter (§3.8.3, §3.10.3), server-to-client packet types from the client, UTF-8 strings that are not well-formed
 * (§1.5.4, {@link Utf8Strings}).
 *
 * <p>A refused packet is handed on as Netty's invalid message with a {@link WireViolation}, as the decoder hands
 * on its own failures, and everything after it is discarded: {@link MqttChannel} answers and closes. A remaining
 * length over the maximum packet size is refused from the header, before its body is buffered.
 */
final class PacketFrames extends ByteToMessageDecoder {
    static final String NAME = "mqttFrames";
    private static final int CONNECT = 1;
    private static final int PUBLISH = 3;
    private static final int PUBREL = 6;
    private static final int SUBSCRIBE = 8;
    private static final int UNSUBSCRIBE = 10;
    private static final int PINGREQ = 12;
    private static final int DISCONNECT = 14;
    private static final int AUTH = 15;
    private static final int MQTT_5 = 5;
    private static final byte[] SHARE = "$share/".getBytes(StandardCharsets.US_ASCII);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PacketFrames.class);
    /** At most one line a minute: a fleet whose tokens outgrew the limit would log one per attempt. */
    static final long OVERSIZED_CONNECT_LOG_EVERY_NANOS = 60_000_000_000L;
    static final java.util.concurrent.atomic.AtomicLong OVERSIZED_CONNECT_LOGGED =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - OVERSIZED_CONNECT_LOG_EVERY_NANOS);

    private final int maxPacketSize;
    /** The CONNECT's protocol level (3, 4 or 5); 0 before it. */
    private int version;
    private boolean failed;

    PacketFrames(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes()); // the connection is being closed
            return;
        }
        // every whole packet of this read, checked, goes on as one buffer: one pass of the decoder per read, as
        // without this stage (a buffer per packet cost ~10-20 % of the broker's CPU per message)
        int start = in.readerIndex();
        int end = start;
        try {
            for (int size; (size = wholePacket(in, end, in.writerIndex())) > 0; ) {
                end += size;
            }
        } catch (WireViolation | TooLongFrameException refused) {
            if (end > start) {
                out.add(in.readRetainedSlice(end - start)); // the packets before it are handled, then it
            }
            if (version == 0 && refused instanceof TooLongFrameException) {
                oversizedConnect(ctx, refused);
            }
            fail(in, out, refused);
            return;
        }
        if (end > start) {
            out.add(in.readRetainedSlice(end - start));
        }
    }

    /** The size of the whole, checked packet at {@code start}, or 0 while it is still incomplete. */
    private int wholePacket(ByteBuf in, int start, int limit) {
        int readable = limit - start;
        int length = 0;
        int header = 1;
        for (int shift = 0; ; shift += 7) {
            if (header > 4) {
                throw WireViolation.malformed("remaining length over 4 bytes", version);
            }
            if (header >= readable) {
                return 0; // the rest of the header is still to come
            }
            int digit = in.getUnsignedByte(start + header++);
            length |= (digit & 0x7f) << shift;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        if ((long) header + length > maxPacketSize) { // the whole packet counts (MQTT 5 §3.2.2.3.6)
            throw new TooLongFrameException("a packet of " + (header + length) + " bytes over " + maxPacketSize);
        }
        if (readable < header + length) {
            return 0;
        }
        check(in, start, start + header, start + header + length);
        return header + length;
    }

    /** The first packet, the CONNECT, is over the limit: no CONNACK can say so, so the operator is told. */
    private void oversizedConnect(ChannelHandlerContext ctx, Exception refused) {
        long last = OVERSIZED_CONNECT_LOGGED.get();
        long now = System.nanoTime();
        if (now - last >= OVERSIZED_CONNECT_LOG_EVERY_NANOS && OVERSIZED_CONNECT_LOGGED.compareAndSet(last, now)) {
            LOG.warn("MQTT CONNECT from {} refused: {}, over mqtt.maxPacketSize ({}); connection closed (a token"
                    + " larger than the packet limit allows? at most one such line a minute)",
                    ctx.channel().remoteAddress(), refused.getMessage().replace(" over " + maxPacketSize, ""),
                    maxPacketSize);
        }
    }

    private void fail(ByteBuf in, List<Object> out, Exception cause) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(MqttMessageFactory.newInvalidMessage(cause));
    }

    /** Walks the packet's fields; {@code i} is where its variable header starts, {@code end} where it ends. */
    private void check(ByteBuf b, int start, int i, int end) {
        int first = b.getUnsignedByte(start);
        int type = first >> 4;
        if (type == CONNECT) {
            if (version == 0) {
                checkConnect(b, i, end);
            }
            return; // a second CONNECT: MqttChannel closes
        }
        if (version == 0) {
            return; // not a CONNECT first: MqttChannel closes
        }
        boolean v5 = version >= MQTT_5;
        switch (type) {
            case PUBLISH -> {
                int qos = first >> 1 & 3;
                if (qos == 3) {
                    throw malformed("PUBLISH with QoS 3");
                }
                i = Utf8Strings.skip(b, i, end, version, true) + (qos > 0 ? 2 : 0);
                if (v5) {
                    PropertyRules.check(b, i, end, PropertyRules.PUBLISH, version);
                } else if (i > end) {
                    throw malformed("PUBLISH shorter than its header");
                }
            }
            case 4, 5, PUBREL, 7 -> { // PUBACK, PUBREC, PUBREL, PUBCOMP
                int length = end - i;
                if (v5 ? length < 2 || length >= 4 && PropertyRules.check(b, i + 3, end, PropertyRules.PUBLISH_REPLY,
                        version) != end : length != 2) {
                    throw malformed("acknowledgement of the wrong length");
                }
            }
            case SUBSCRIBE, UNSUBSCRIBE -> checkSubscribe(b, type == SUBSCRIBE, i, end);
            case PINGREQ -> {
                if (end != i) {
                    throw malformed("PINGREQ with a body");
                }
            }
            case DISCONNECT, AUTH -> {
                if (!v5 && (type == AUTH || end != i)) {
                    throw malformed("DISCONNECT with a body, or AUTH, in MQTT 3.1.1");
                }
                if (end - i >= 2 && PropertyRules.check(b, i + 1, end,
                        type == AUTH ? PropertyRules.AUTH : PropertyRules.DISCONNECT, version) != end) {
                    throw malformed("bytes after the properties");
                }
            }
            case 0 -> throw malformed("reserved packet type 0");
            default -> throw WireViolation.protocolError("a packet type only a server sends", version);
        }
    }

    private void checkConnect(ByteBuf b, int i, int end) {
        int nameEnd = PropertyRules.skipString(b, i, end, 0);
        if (nameEnd + 4 > end) {
            return; // the decoder refuses it
        }
        int level = b.getUnsignedByte(nameEnd);
        int flags = b.getUnsignedByte(nameEnd + 1);
        boolean known = level == MQTT_5 || level == 4 || level == 3;
        if (!known) {
            return; // the decoder's unacceptable protocol version: CONNACK 0x01
        }
        boolean will = (flags & 0x04) != 0;
        int willQos = flags >> 3 & 3;
        if (!will && (willQos != 0 || (flags & 0x20) != 0) || willQos == 3) {
            throw WireViolation.malformed("will QoS or retain without the will flag, or will QoS 3", level);
        }
        int at = nameEnd + 4;
        if (level == MQTT_5) {
            at = PropertyRules.check(b, at, end, PropertyRules.CONNECT, level);
        }
        at = Utf8Strings.skip(b, at, end, level, false); // client id
        if (will) {
            if (level == MQTT_5) {
                at = PropertyRules.check(b, at, end, PropertyRules.WILL, level);
            }
            at = Utf8Strings.skip(b, at, end, level, true); // will topic: its U+0000 answered as a topic's
            at = PropertyRules.skipString(b, at, end, level); // will payload
        }
        if ((flags & 0x80) != 0) {
            at = Utf8Strings.skip(b, at, end, level, false); // user name
        }
        if ((flags & 0x40) != 0) {
            at = PropertyRules.skipString(b, at, end, level);
        }
        if (at != end) {
            throw WireViolation.malformed("CONNECT with bytes after its payload", level);
        }
        version = level;
    }

    private void checkSubscribe(ByteBuf b, boolean subscribe, int i, int end) {
        int at = i + 2; // packet id
        if (version >= MQTT_5) {
            at = PropertyRules.check(b, at, end,
                    subscribe ? PropertyRules.SUBSCRIBE : PropertyRules.UNSUBSCRIBE, version);
        } else if (at > end) {
            throw malformed("no packet id");
        }
        if (at == end) {
            throw WireViolation.protocolError("no topic filter", version);
        }
        while (at < end) {
            int filter = at;
            at = Utf8Strings.skip(b, at, end, version, true);
            if (!subscribe) {
                continue;
            }
            if (at >= end) {
                throw malformed("a topic filter without options");
            }
            int options = b.getUnsignedByte(at++);
            if ((options & (version >= MQTT_5 ? 0xc0 : 0xfc)) != 0 || (options & 3) == 3) {
                throw malformed("subscription options with reserved bits or QoS 3");
            }
            if ((options & 0x30) == 0x30) {
                throw WireViolation.protocolError("Retain Handling 3", version);
            }
            if ((options & 0x04) != 0 && shared(b, filter)) {
                throw WireViolation.protocolError("No Local on a shared subscription", version);
            }
        }
    }

    private static boolean shared(ByteBuf b, int filter) {
        if (b.getUnsignedShort(filter) < SHARE.length) {
            return false;
        }
        for (int k = 0; k < SHARE.length; k++) {
            if (b.getByte(filter + 2 + k) != SHARE[k]) {
                return false;
            }
        }
        return true;
    }

    private WireViolation malformed(String message) {
        return WireViolation.malformed(message, version);
    }

    /**
     * A Variable Byte Integer at {@code i} that must end by {@code end}: its value in the high 32 bits, its size
     * in bytes in the low ones.
     */
    static long varInt(ByteBuf b, int i, int end, int version) {
        long value = 0;
        for (int n = 0; n < 4; n++) {
            if (i + n >= end) {
                throw WireViolation.malformed("a variable byte integer past its packet's end", version);
            }
            int digit = b.getUnsignedByte(i + n);
            value |= (long) (digit & 0x7f) << (7 * n);
            if ((digit & 0x80) == 0) {
                return value << 32 | (n + 1);
            }
        }
        throw WireViolation.malformed("a variable byte integer over 4 bytes", version);
    }
}
