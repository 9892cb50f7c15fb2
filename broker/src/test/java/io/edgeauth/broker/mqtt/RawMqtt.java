package io.edgeauth.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/** MQTT packets as raw bytes over a socket, for tests of the wire (hostile framing, exact reason codes). */
final class RawMqtt {
    private RawMqtt() {
    }

    static Socket socket(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    /** A connected client (user name and client id {@code id}, a test token for tenant t), its CONNACK read. */
    static Socket connected(int port, int version, String id) throws IOException {
        return connected(port, version, id, new byte[0]);
    }

    /** {@link #connected(int, int, String)} with MQTT 5 CONNECT properties (the encoded property bytes). */
    static Socket connected(int port, int version, String id, byte[] properties) throws IOException {
        Socket s = socket(port);
        s.getOutputStream().write(connect(version, 0x02, id, id, bytes(TestPipeline.token(id, "t", 60)), 60, properties));
        int[] connack = readPacket(new DataInputStream(s.getInputStream()));
        assertThat(connack[0]).as("CONNACK").isEqualTo(0x20);
        assertThat(connack[3]).as("accepted").isZero();
        return s;
    }

    static byte[] connect(int version, String clientId, String username, byte[] password) {
        return connect(version, clientId, username, password, 60);
    }

    static byte[] connect(int version, String clientId, String username, byte[] password, int keepAlive) {
        return connect(version, 0x02, clientId, username, password, keepAlive, new byte[0]);
    }

    /**
     * A CONNECT; {@code flags}: the connect flags other than user name and password (0x02 clean start); MQTT 5
     * {@code properties} as encoded property bytes (their length is prefixed here).
     */
    static byte[] connect(int version, int flags, String clientId, String username, byte[] password, int keepAlive,
                          byte[] properties) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, bytes("MQTT"));
        body.write(version);
        body.write((username != null ? 0x80 : 0) | (password != null ? 0x40 : 0) | flags);
        body.writeBytes(new byte[] {(byte) (keepAlive >> 8), (byte) keepAlive});
        if (version == 5) {
            varInt(body, properties.length);
            body.writeBytes(properties);
        }
        string(body, bytes(clientId));
        if (username != null) {
            string(body, bytes(username));
        }
        if (password != null) {
            string(body, password);
        }
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet(packet, 0x10, body.toByteArray());
        return packet.toByteArray();
    }

    /** One packet as unsigned bytes: the fixed header, the remaining length (one byte here) and the rest. */
    static int[] readPacket(DataInputStream in) throws IOException {
        int type = in.readUnsignedByte();
        int len = in.readUnsignedByte();
        int[] p = new int[2 + len];
        p[0] = type;
        p[1] = len;
        for (int i = 0; i < len; i++) {
            p[2 + i] = in.readUnsignedByte();
        }
        return p;
    }

    static boolean closed(DataInputStream in) throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketException | EOFException reset) {
            return true;
        }
    }

    static void packet(OutputStream out, int header, byte[] body) {
        try {
            out.write(header);
            ByteArrayOutputStream len = new ByteArrayOutputStream();
            varInt(len, body.length);
            out.write(len.toByteArray());
            out.write(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void varInt(ByteArrayOutputStream out, int value) {
        int len = value;
        do {
            int digit = len % 128;
            len /= 128;
            out.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
    }

    static void string(ByteArrayOutputStream out, byte[] b) {
        out.write(b.length >> 8);
        out.write(b.length & 0xff);
        out.writeBytes(b);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
