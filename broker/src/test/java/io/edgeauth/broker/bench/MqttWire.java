package io.edgeauth.broker.bench;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Just enough MQTT 3.1.1 / 5 wire format for the load client: CONNECT, SUBSCRIBE, DISCONNECT encoders,
 * a blocking packet reader for the handshake, and the offsets of PUBLISH frames.
 *
 * <p>Why by hand and not a client library: a load generator must cost far less per message than the
 * broker it drives, or it measures itself. A general client (futures, per-message objects, its own
 * event loop) tops out near 90k msg/s on this machine; pre-encoded frames written in batches and a
 * parser that only reads the fixed header, the packet id and the first payload bytes do not.
 */
public final class MqttWire {
    public static final int CONNACK = 2;
    public static final int PUBLISH = 3;
    public static final int PUBACK = 4;
    public static final int SUBACK = 9;
    public static final int DISCONNECT = 14;
    /** MQTT 5 property: Receive Maximum (two-byte integer). */
    static final int RECEIVE_MAXIMUM = 0x21;

    private MqttWire() {
    }

    /** CONNECT with clean start, keep-alive 60 s, username and password ({@code level} 4 = 3.1.1, 5 = MQTT 5). */
    public static byte[] connect(int level, String clientId, String username, byte[] password) {
        return connect(level, clientId, username, password, 0);
    }

    /**
     * CONNECT as above; {@code sessionExpirySeconds} above 0 asks for a persistent session (MQTT 5: no clean
     * start and that Session Expiry Interval; 3.1.1: clean session off, kept until the broker's maximum).
     */
    public static byte[] connect(int level, String clientId, String username, byte[] password, int sessionExpirySeconds) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(level);
        body.write(0x80 | 0x40 | (sessionExpirySeconds > 0 ? 0 : 0x02)); // username, password, clean session / start
        body.write(0);
        body.write(60);
        if (level >= 5 && sessionExpirySeconds > 0) {
            body.write(5); // properties: Session Expiry Interval (Receive Maximum left at 65535: the broker's window)
            body.write(0x11);
            body.write(sessionExpirySeconds >>> 24);
            body.write(sessionExpirySeconds >>> 16);
            body.write(sessionExpirySeconds >>> 8);
            body.write(sessionExpirySeconds);
        } else if (level >= 5) {
            body.write(0); // no properties: Receive Maximum defaults to 65535, the broker's own window applies
        }
        writeString(body, clientId);
        writeString(body, username);
        writeBinary(body, password);
        return packet(0x10, body.toByteArray());
    }

    /** SUBSCRIBE one filter at {@code qos} with packet id 1. */
    public static byte[] subscribe(int level, String filter, int qos) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1);
        if (level >= 5) {
            body.write(0);
        }
        writeString(body, filter);
        body.write(qos);
        return packet(0x82, body.toByteArray());
    }

    static byte[] disconnect() {
        return new byte[] {(byte) 0xE0, 0};
    }

    /**
     * One PUBLISH frame template: {@code topic}, {@code qos}, zero packet id, zero payload of
     * {@code payloadSize}. Returns the frame; the payload starts at {@code frame.length - payloadSize}
     * and the packet id (QoS 1) sits right after the topic.
     */
    static byte[] publish(int level, String topic, int qos, int payloadSize) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(0);
            body.write(0);
        }
        if (level >= 5) {
            body.write(0);
        }
        body.writeBytes(new byte[payloadSize]);
        return packet(0x30 | (qos << 1), body.toByteArray());
    }

    /** Offset of the packet id in a {@link #publish} template (QoS 1). */
    static int packetIdOffset(byte[] frame, String topic) {
        int i = 1;
        while ((frame[i] & 0x80) != 0) { // remaining-length bytes
            i++;
        }
        return i + 1 + 2 + topic.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A whole packet: type byte, remaining length and body. */
    public record Packet(int type, int flags, byte[] body) {
    }

    /** Reads one packet, blocking (handshake only; {@code in} is in blocking mode). */
    public static Packet read(java.nio.channels.ReadableByteChannel in) throws IOException {
        int first = readByte(in);
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = readByte(in);
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        ByteBuffer body = ByteBuffer.allocate(length);
        while (body.hasRemaining()) {
            if (in.read(body) < 0) {
                throw new EOFException("connection closed mid-packet");
            }
        }
        return new Packet(first >>> 4, first & 0x0F, body.array());
    }

    /** MQTT 5 CONNACK: Receive Maximum, or 65535 when absent (also for 3.1.1). */
    static int receiveMaximum(int level, byte[] connackBody) {
        if (level < 5 || connackBody.length < 3) {
            return 65535;
        }
        int[] pos = {2};
        int end = readVarInt(connackBody, pos) + pos[0];
        int i = pos[0];
        while (i < end) {
            int id = connackBody[i++] & 0xFF;
            switch (id) {
                case RECEIVE_MAXIMUM -> {
                    return u16(connackBody, i);
                }
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> i += 1;
                case 0x13, 0x22 -> i += 2;
                case 0x02, 0x11, 0x18, 0x27 -> i += 4;
                case 0x0B -> {
                    int[] p = {i};
                    readVarInt(connackBody, p);
                    i = p[0];
                }
                case 0x26 -> i += 2 + u16(connackBody, i) + 2 + u16(connackBody, i + 2 + u16(connackBody, i));
                default -> i += 2 + u16(connackBody, i); // strings and binary data
            }
        }
        return 65535;
    }

    static int readVarInt(byte[] data, int[] pos) {
        int value = 0;
        int shift = 0;
        int b;
        do {
            b = data[pos[0]++] & 0xFF;
            value |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return value;
    }

    private static int u16(byte[] data, int i) {
        return ((data[i] & 0xFF) << 8) | (data[i + 1] & 0xFF);
    }

    private static int readByte(java.nio.channels.ReadableByteChannel in) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        while (one.hasRemaining()) {
            if (in.read(one) < 0) {
                throw new EOFException("connection closed");
            }
        }
        return one.get(0) & 0xFF;
    }

    private static byte[] packet(int first, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 5);
        out.write(first);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        writeBinary(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBinary(ByteArrayOutputStream out, byte[] b) {
        out.write(b.length >>> 8);
        out.write(b.length & 0xFF);
        out.writeBytes(b);
    }
}
