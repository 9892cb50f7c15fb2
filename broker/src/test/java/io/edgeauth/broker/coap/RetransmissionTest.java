package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CON request retransmitted with the same message ID (its ACK was "lost") is delivered to the router once
 * and answered twice with the same response: the bounded PEERS_MARK_AND_SWEEP deduplicator at work.
 */
class RetransmissionTest {
    @TempDir
    Path dir;
    private EdgeFixture f;
    private DatagramSocket socket;

    @BeforeEach
    void setUp() throws Exception {
        f = new EdgeFixture(dir);
        socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        socket.setSoTimeout(5000);
    }

    @AfterEach
    void tearDown() {
        socket.close();
        f.close();
    }

    private byte[] datagram(String path, int mid, byte[] token, byte[] payload, int contentFormat) {
        Request r = Request.newPost();
        r.setURI("coap://127.0.0.1:" + f.edge.port() + path);
        r.setMID(mid);
        r.setToken(token);
        r.setPayload(payload);
        r.getOptions().setContentFormat(contentFormat);
        return new UdpDataSerializer().serializeRequest(r).getBytes();
    }

    /** Sends one datagram and returns the response's (type, code, MID). */
    private int[] exchange(byte[] datagram) throws Exception {
        socket.send(new DatagramPacket(datagram, datagram.length, new InetSocketAddress("127.0.0.1", f.edge.port())));
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        return new int[] {(buf[0] >> 4) & 0x3, buf[1] & 0xff, ((buf[2] & 0xff) << 8) | (buf[3] & 0xff)};
    }

    @Test
    void retransmittedConIsDeliveredOnce() throws Exception {
        int[] created = exchange(datagram("/authz-info", 100, new byte[] {1}, f.token("dev1"),
                MediaTypeRegistry.APPLICATION_CWT));
        assertThat(created[1]).isEqualTo((2 << 5) | 1); // 2.01

        byte[] telemetry = datagram("/d/dev1/up/temp", 101, new byte[] {2}, "once".getBytes(),
                MediaTypeRegistry.TEXT_PLAIN);
        int[] first = exchange(telemetry);
        int[] again = exchange(telemetry); // same MID and token: a retransmission
        assertThat(first).containsExactly(2, (2 << 5) | 4, 101); // ACK 2.04
        assertThat(again).containsExactly(first);
        assertThat(f.messaging.published("default", "d/dev1/up/temp")).hasSize(1);

        int[] next = exchange(datagram("/d/dev1/up/temp", 102, new byte[] {3}, "twice".getBytes(),
                MediaTypeRegistry.TEXT_PLAIN));
        assertThat(next[1]).isEqualTo((2 << 5) | 4);
        assertThat(f.messaging.published("default", "d/dev1/up/temp")).hasSize(2);
    }

    /** The control: without a deduplicator the same retransmission is delivered twice. */
    @Test
    void withoutDeduplicatorTheRetransmissionIsDeliveredTwice() throws Exception {
        f.close();
        f = new EdgeFixture(java.nio.file.Files.createDirectories(dir.resolve("nodedup")), s -> s.withDeduplicator(CoapSettings.Deduplicator.NONE, 1));
        exchange(datagram("/authz-info", 200, new byte[] {1}, f.token("dev1"), MediaTypeRegistry.APPLICATION_CWT));
        byte[] telemetry = datagram("/d/dev1/up/temp", 201, new byte[] {2}, "dup".getBytes(),
                MediaTypeRegistry.TEXT_PLAIN);
        exchange(telemetry);
        exchange(telemetry);
        assertThat(f.messaging.published("default", "d/dev1/up/temp")).hasSize(2);
    }
}
