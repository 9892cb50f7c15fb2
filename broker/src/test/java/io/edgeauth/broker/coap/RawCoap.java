package io.edgeauth.broker.coap;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * CoAP datagrams by hand (RFC 7252 §3), for requests a Californium client would not send: one UDP socket (one
 * source port), so every datagram comes from the same peer.
 */
final class RawCoap implements AutoCloseable {
    static final int CON = 0;
    static final int NON = 1;
    static final int GET = 1;
    static final int POST = 2;

    private final DatagramSocket socket;
    private final InetAddress host = InetAddress.getLoopbackAddress();
    private final int port;
    private int mid = 0x1000;

    RawCoap(int port) throws Exception {
        this(port, "127.0.0.1");
    }

    /** From {@code localAddress} (another loopback address is another peer to the edge, even per IP address). */
    RawCoap(int port, String localAddress) throws Exception {
        this.port = port;
        this.socket = new DatagramSocket(0, InetAddress.getByName(localAddress));
        socket.setSoTimeout(2000);
    }

    /** One option: number and value. */
    record Opt(int number, byte[] value) {
        static Opt of(int number, String value) {
            return new Opt(number, value.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** Uri-Path options of {@code path} ("a/b/c"). */
    static List<Opt> path(String path) {
        List<Opt> opts = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                opts.add(Opt.of(11, s));
            }
        }
        return opts;
    }

    /** A message: header, token, options (sorted, delta-encoded) and, if any, the payload after 0xFF. */
    byte[] message(int type, int code, byte[] token, List<Opt> options, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int m = mid++ & 0xffff;
        out.write(0x40 | (type << 4) | token.length);
        out.write(code);
        out.write(m >> 8);
        out.write(m & 0xff);
        out.writeBytes(token);
        List<Opt> sorted = new ArrayList<>(options);
        sorted.sort(Comparator.comparingInt(Opt::number));
        int last = 0;
        for (Opt o : sorted) {
            int delta = o.number() - last;
            last = o.number();
            int len = o.value().length;
            out.write((nibble(delta) << 4) | nibble(len));
            extended(out, delta);
            extended(out, len);
            out.writeBytes(o.value());
        }
        if (payload != null && payload.length > 0) {
            out.write(0xff);
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    private static int nibble(int v) {
        return v < 13 ? v : v < 269 ? 13 : 14;
    }

    private static void extended(ByteArrayOutputStream out, int v) {
        if (v >= 269) {
            out.write((v - 269) >> 8);
            out.write((v - 269) & 0xff);
        } else if (v >= 13) {
            out.write(v - 13);
        }
    }

    /** Sends {@code datagram} and returns the first answer, or null after the timeout. */
    byte[] exchange(byte[] datagram) throws Exception {
        send(datagram);
        return receive();
    }

    void send(byte[] datagram) throws Exception {
        socket.send(new DatagramPacket(datagram, datagram.length, host, port));
    }

    byte[] receive() throws Exception {
        byte[] buf = new byte[70_000];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(buf, p.getLength());
    }

    void timeout(int millis) throws Exception {
        socket.setSoTimeout(millis);
    }

    /** The answer's type (0 CON, 1 NON, 2 ACK, 3 RST). */
    static int type(byte[] answer) {
        return (answer[0] >> 4) & 3;
    }

    /** The answer's code as "c.dd" (e.g. "2.31"); "0.00" for an empty message. */
    static String code(byte[] answer) {
        int c = answer[1] & 0xff;
        return String.format("%d.%02d", c >> 5, c & 31);
    }

    /** The answer's payload (after 0xFF), empty if none. */
    static byte[] payload(byte[] answer) {
        int i = 4 + (answer[0] & 0x0f);
        while (i < answer.length) {
            int b = answer[i] & 0xff;
            if (b == 0xff) {
                return Arrays.copyOfRange(answer, i + 1, answer.length);
            }
            int delta = b >> 4;
            int len = b & 0x0f;
            i++;
            i += delta == 13 ? 1 : delta == 14 ? 2 : 0;
            if (len == 13) {
                len = (answer[i] & 0xff) + 13;
                i++;
            } else if (len == 14) {
                len = ((answer[i] & 0xff) << 8 | (answer[i + 1] & 0xff)) + 269;
                i += 2;
            }
            i += len;
        }
        return new byte[0];
    }

    /** The value of option {@code number} in the answer as an unsigned integer, or -1 if absent. */
    static long uintOption(byte[] answer, int number) {
        int i = 4 + (answer[0] & 0x0f);
        int current = 0;
        while (i < answer.length && (answer[i] & 0xff) != 0xff) {
            int b = answer[i] & 0xff;
            int delta = b >> 4;
            int len = b & 0x0f;
            i++;
            if (delta == 13) {
                delta = (answer[i] & 0xff) + 13;
                i++;
            } else if (delta == 14) {
                delta = ((answer[i] & 0xff) << 8 | (answer[i + 1] & 0xff)) + 269;
                i += 2;
            }
            if (len == 13) {
                len = (answer[i] & 0xff) + 13;
                i++;
            } else if (len == 14) {
                len = ((answer[i] & 0xff) << 8 | (answer[i + 1] & 0xff)) + 269;
                i += 2;
            }
            current += delta;
            if (current == number) {
                long v = 0;
                for (int k = 0; k < len; k++) {
                    v = (v << 8) | (answer[i + k] & 0xff);
                }
                return v;
            }
            i += len;
        }
        return -1;
    }

    @Override
    public void close() {
        socket.close();
    }
}
