package io.edgeauth.device;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Just enough of an MQTT 5 server to check enhanced authentication on the wire: it reads CONNECT
 * (recording client id, username, password, authentication method and data), answers CONNACK success
 * echoing the method (or the reason code {@link #connackCode} gives, then closes), answers every AUTH
 * re-authentication (reason 0x19) with AUTH success (recording its data), PINGREQ with PINGRESP, SUBSCRIBE
 * with SUBACK granting QoS 1, and ignores everything else. {@link #publish} sends a command, {@link #disconnect} ends
 * the current connection with a DISCONNECT, {@link #drop} without a word. One connection at a time.
 */
final class FakeMqtt5AuthServer implements AutoCloseable {
    /** What a CONNECT carried. */
    record Connect(String clientId, String username, byte[] password, String authMethod, byte[] authData,
                   Integer maximumPacketSize) {
    }

    private final ServerSocket server;
    private final Thread thread;
    final List<Connect> connects = new CopyOnWriteArrayList<>();
    final List<byte[]> reauthData = new CopyOnWriteArrayList<>();
    final List<String> reauthMethods = new CopyOnWriteArrayList<>();
    /** The CONNACK reason code for a CONNECT (0: success) and its reason string. */
    volatile java.util.function.ToIntFunction<Connect> connackCode = c -> 0;
    volatile String connackReasonString = "refused";
    private volatile Socket current;

    FakeMqtt5AuthServer() throws IOException {
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "fake-mqtt5");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                current = s;
                handle(new DataInputStream(s.getInputStream()), s.getOutputStream());
            } catch (IOException e) {
                // connection ended or server closed
            }
        }
    }

    private void handle(DataInputStream in, OutputStream out) throws IOException {
        while (true) {
            int header = in.read();
            if (header < 0) {
                return;
            }
            byte[] body = new byte[readVarInt(in)];
            in.readFully(body);
            ByteBuffer b = ByteBuffer.wrap(body);
            switch (header >> 4) {
                case 1 -> {
                    Connect connect = parseConnect(b);
                    connects.add(connect);
                    int code = connackCode.applyAsInt(connect);
                    if (code != 0) {
                        write(out, packet(0x20, concat(new byte[] {0, (byte) code}, reasonString(connackReasonString))));
                        return; // a refused CONNECT ends the connection
                    }
                    write(out, packet(0x20, concat(new byte[] {0, 0}, properties(connect.authMethod()))));
                }
                case 15 -> {
                    int reason = b.get() & 0xff;
                    Map<Integer, Object> props = readProperties(b);
                    if (reason == 0x19) {
                        reauthMethods.add((String) props.get(0x15));
                        reauthData.add((byte[]) props.get(0x16));
                        write(out, packet(0xF0, concat(new byte[] {0}, properties((String) props.get(0x15)))));
                    }
                }
                case 12 -> write(out, new byte[] {(byte) 0xD0, 0});
                case 8 -> write(out, packet(0x90, new byte[] {body[0], body[1], 0, 1})); // SUBACK: granted QoS 1
                case 14 -> {
                    return;
                }
                default -> {
                    // PUBLISH and the rest are not needed here
                }
            }
        }
    }

    /** Writes one whole packet; the test thread's {@link #disconnect} writes to the same stream. */
    private static void write(OutputStream out, byte[] packet) throws IOException {
        synchronized (out) {
            out.write(packet);
            out.flush();
        }
    }

    /** Ends the current connection with DISCONNECT {@code reason} and a reason string, as a broker revoking a session. */
    void disconnect(int reason, String reasonString) throws IOException {
        Socket s = current;
        write(s.getOutputStream(), packet(0xE0, concat(new byte[] {(byte) reason}, reasonString(reasonString))));
        s.close();
    }

    /** Sends a QoS 0 PUBLISH on the current connection, as a broker forwarding a command. */
    void publish(String topic, byte[] payload) throws IOException {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] head = concat(new byte[] {(byte) (t.length >> 8), (byte) t.length}, t);
        write(current.getOutputStream(), packet(0x30, concat(concat(head, new byte[] {0}), payload)));
    }

    /** Closes the current connection without a DISCONNECT (a network drop). */
    void drop() throws IOException {
        current.close();
    }

    private static byte[] reasonString(String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[3 + r.length];
        p[0] = 0x1F;
        p[1] = (byte) (r.length >> 8);
        p[2] = (byte) r.length;
        System.arraycopy(r, 0, p, 3, r.length);
        return concat(varInt(p.length), p);
    }

    private static Connect parseConnect(ByteBuffer b) {
        string(b); // "MQTT"
        b.get(); // version 5
        int flags = b.get() & 0xff;
        b.getShort(); // keep alive
        Map<Integer, Object> props = readProperties(b);
        String clientId = string(b);
        if ((flags & 0x04) != 0) {
            throw new IllegalStateException("no will expected");
        }
        String username = (flags & 0x80) != 0 ? string(b) : null;
        byte[] password = (flags & 0x40) != 0 ? binary(b) : null;
        return new Connect(clientId, username, password, (String) props.get(0x15), (byte[]) props.get(0x16),
                (Integer) props.get(0x27));
    }

    private static Map<Integer, Object> readProperties(ByteBuffer b) {
        int len = readVarInt(b);
        ByteBuffer p = b.slice().limit(len);
        b.position(b.position() + len);
        Map<Integer, Object> out = new java.util.HashMap<>();
        while (p.hasRemaining()) {
            int id = p.get() & 0xff;
            switch (id) {
                case 0x15, 0x1F, 0x12, 0x1A, 0x1C -> out.put(id, string(p));
                case 0x16 -> out.put(id, binary(p));
                case 0x11, 0x27, 0x18, 0x02 -> out.put(id, p.getInt());
                case 0x21, 0x22, 0x13 -> out.put(id, (int) p.getShort());
                case 0x17, 0x19, 0x01 -> out.put(id, (int) p.get());
                case 0x26 -> {
                    string(p);
                    string(p);
                }
                default -> throw new IllegalStateException("unexpected property 0x" + Integer.toHexString(id));
            }
        }
        return out;
    }

    private static byte[] properties(String authMethod) {
        if (authMethod == null) {
            return new byte[] {0};
        }
        byte[] m = authMethod.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[3 + m.length];
        p[0] = 0x15;
        p[1] = (byte) (m.length >> 8);
        p[2] = (byte) m.length;
        System.arraycopy(m, 0, p, 3, m.length);
        return concat(varInt(p.length), p);
    }

    private static byte[] packet(int header, byte[] body) {
        return concat(concat(new byte[] {(byte) header}, varInt(body.length)), body);
    }

    private static String string(ByteBuffer b) {
        return new String(binary(b), StandardCharsets.UTF_8);
    }

    private static byte[] binary(ByteBuffer b) {
        byte[] out = new byte[b.getShort() & 0xffff];
        b.get(out);
        return out;
    }

    private static int readVarInt(DataInputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            int x = in.read();
            if (x < 0) {
                throw new EOFException();
            }
            value |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("bad variable byte integer");
    }

    private static int readVarInt(ByteBuffer b) {
        int value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            int x = b.get() & 0xff;
            value |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalStateException("bad variable byte integer");
    }

    private static byte[] varInt(int v) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        do {
            int digit = v & 0x7f;
            v >>>= 7;
            o.write(v > 0 ? digit | 0x80 : digit);
        } while (v > 0);
        return o.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
