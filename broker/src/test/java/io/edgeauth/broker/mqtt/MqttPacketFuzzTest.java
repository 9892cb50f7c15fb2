package io.edgeauth.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the MQTT edge end to end over a loopback socket: Netty's MQTT decoder as the edge sets it
 * up with our limits, then our CONNECT, AUTH, PUBLISH, SUBSCRIBE and renewal handling.
 *
 * <p>Why a socket and not Netty's {@code EmbeddedChannel}: the socket drives the whole listener as it runs
 * (TCP framing, the decoder with our limits, {@code MqttChannel}, the edge's handlers and the tasks they put
 * on the connection's loop), so nothing between the network and our code is left out.
 *
 * <p>Input: the first byte picks the session, the rest is raw MQTT bytes sent after it: 0 = nothing
 * before (the fuzzer writes its own CONNECT), 1 = an accepted MQTT 3.1.1 CONNECT, 2 = an accepted
 * MQTT 5 CONNECT (so PUBLISH/SUBSCRIBE/AUTH reach the authenticated session). The socket is
 * half-closed after the input; the edge handles what arrived, in order, then closes. Properties: no handler of ours throws (the edge reports every
 * exception its handlers and loop tasks throw through {@code MqttEdge.internalErrors}), and the edge closes within
 * the bound.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class MqttPacketFuzzTest {
    private static final String TOKEN = TestPipeline.token("dev1", "t1", 600);
    private static final List<Throwable> ERRORS = new CopyOnWriteArrayList<>();
    private static final MqttSettings.Limits LIMITS = MqttSettings.Limits.defaults();
    private static EdgeFixture edge;

    @FuzzTest(maxDuration = "10s")
    void packets(byte[] input) throws Exception {
        BugDetectors.allowNetworkConnections(); // the target's own loopback connection, not the code under test
        ensureStarted();
        if (input.length == 0) {
            return;
        }
        int mode = input[0] & 0xff;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(input, 1, input.length - 1);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", edge.port()), 5000);
            s.setSoTimeout(8_000); // far above the 2 s CONNECT timeout, far below a 60 s keep-alive
            OutputStream o = s.getOutputStream();
            if (mode % 3 != 0) {
                o.write(connect(mode % 3 == 1 ? 4 : 5));
                assertThat(connack(s.getInputStream())).as("CONNACK").isEqualTo(0x20);
            }
            try {
                o.write(out.toByteArray());
                o.flush();
                s.shutdownOutput(); // end of input: the edge handles what came, then closes
            } catch (IOException closedWhileWriting) {
                // the edge may close mid-write on a bad packet: that is an answer
            }
            assertThat(readUntilClosed(s.getInputStream(), null)).as("the edge did not close after the input ended").isTrue();
        }
        assertThat(ERRORS).as("uncaught exceptions in the edge").isEmpty();
    }

    /** Reads one packet's fixed header and body; returns its first byte. */
    private static int connack(InputStream in) throws IOException {
        int type = in.read();
        int len = in.read();
        in.readNBytes(len);
        return type;
    }

    /** Reads until the edge closes (true) or the timeout passes (false), keeping what arrived in {@code got}. */
    private static boolean readUntilClosed(InputStream in, ByteArrayOutputStream got) throws IOException {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (got != null) {
                    got.write(buf, 0, n);
                }
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true; // connection reset: closed
        }
    }

    /**
     * A complete packet over the maximum size: the decoder refuses it and drops every later byte, so
     * the session must end at once, not stay open and deaf until the 60 s keep-alive runs out.
     */
    @Test
    void oversizedPacketEndsTheSessionAtOnce() throws Exception {
        ensureStarted();
        ByteArrayOutputStream publish = new ByteArrayOutputStream();
        int payload = LIMITS.maxPacketSize() + 1000;
        int len = 3 + payload; // topic "t" + payload: over the limit
        publish.write(0x30);
        for (int l = len; l > 0; l /= 128) {
            publish.write(l >= 128 ? (l % 128) | 0x80 : l);
        }
        publish.writeBytes(new byte[] {0, 1, 't'});
        publish.writeBytes(new byte[payload]);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", edge.port()), 5000);
            s.setSoTimeout(8_000);
            s.getOutputStream().write(connect(5));
            assertThat(connack(s.getInputStream())).isEqualTo(0x20);
            long sent = System.nanoTime();
            try {
                s.getOutputStream().write(publish.toByteArray());
            } catch (IOException closedWhileWriting) {
                // closed before it read everything: the point
            }
            assertThat(readUntilClosed(s.getInputStream(), null)).as("connection closed").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("time until the edge closed")
                    .isLessThan(Duration.ofSeconds(5));
        }
    }

    /** A CONNECT the test pipeline accepts: client id and username dev1, the token as password. */
    static byte[] connect(int level) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(level);
        body.write(0xC2); // username, password, clean start
        body.write(0);
        body.write(60); // keep-alive
        if (level == 5) {
            body.write(0); // no properties
        }
        writeString(body, "dev1");
        writeString(body, "dev1");
        writeString(body, TOKEN);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        int len = body.size();
        do {
            int digit = len % 128;
            len /= 128;
            packet.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xff);
        out.writeBytes(b);
    }

    private static synchronized void ensureStarted() throws Exception {
        if (edge == null) {
            // a 2 s CONNECT timeout bounds how long a connection that never completes a CONNECT stays open
            edge = new EdgeFixture(MqttSettings.builder().host("127.0.0.1").port(0).limits(LIMITS)
                    .connectTimeout(Duration.ofSeconds(2)).build());
            edge.vertx.exceptionHandler(ERRORS::add); // anything that escapes to Vert.x (timers, the pipeline's answers)
            edge.edge.internalErrors(ERRORS::add); // the edge's own loops: what its handlers and tasks throw
        }
    }

    @AfterAll
    static synchronized void stop() throws Exception {
        if (edge != null) {
            edge.close();
            edge = null;
        }
    }
}
