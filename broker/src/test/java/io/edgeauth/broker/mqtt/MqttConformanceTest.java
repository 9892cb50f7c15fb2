package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.RawMqtt.bytes;
import static io.edgeauth.broker.mqtt.RawMqtt.packet;
import static io.edgeauth.broker.mqtt.RawMqtt.readPacket;
import static io.edgeauth.broker.mqtt.RawMqtt.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.router.RoutedMessage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 conformance of the edge byte by byte: the client's Maximum Packet Size, packets whose remaining length
 * does not bound what they contain, and properties, flags and options the specification calls malformed or a
 * protocol error (each answered with the code it names).
 */
class MqttConformanceTest {
    private static EdgeFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withLimits(MqttSettings.Limits.builder().maxPacketSize(4096).build()));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    /** MQTT 5 §3.1.2.11.4: a PUBLISH over the client's Maximum Packet Size is discarded, as if it had been sent. */
    @Test
    void aPublishOverTheClientsMaximumPacketSizeIsNotSent() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "mps", new byte[] {0x27, 0, 0, 0, 100})) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            subscribe(s, 1, "d/mps/down/#", 1);
            assertThat(readPacket(in)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            // QoS 1 with the receive maximum of the client (1 here is not set: 65535); the big one never goes out
            // and must not hold a slot of the window either
            fx.router.publish(new RoutedMessage("t", "d/mps/down/big", new byte[500], 1, false, List.of(), "x"));
            fx.router.publish(new RoutedMessage("t", "d/mps/down/s", bytes("small"), 0, false, List.of(), "x"));
            int[] next = readPacket(in);
            assertThat(next[0]).as("the small PUBLISH comes first: the big one was discarded").isEqualTo(0x30);
            assertThat(next.length).isLessThanOrEqualTo(100);
        }
    }

    /** The same limit with a receive window of one: a discarded QoS 1 PUBLISH frees its slot at once. */
    @Test
    void aDiscardedQos1PublishDoesNotHoldTheWindow() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "mps1", new byte[] {0x27, 0, 0, 0, 100, 0x21, 0, 1})) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            subscribe(s, 1, "d/mps1/down/#", 1);
            assertThat(readPacket(in)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            fx.router.publish(new RoutedMessage("t", "d/mps1/down/big", new byte[500], 1, false, List.of(), "x"));
            fx.router.publish(new RoutedMessage("t", "d/mps1/down/s", bytes("small"), 1, false, List.of(), "x"));
            int[] next = readPacket(in);
            assertThat(next[0]).as("QoS 1 PUBLISH").isEqualTo(0x32);
            assertThat(Arrays.copyOfRange(next, 4, 4 + "d/mps1/down/s".length()))
                    .as("the small one, though the window holds one and the big one came first")
                    .containsExactly(toInts(bytes("d/mps1/down/s")));
        }
    }

    /** A user property that makes a PUBLISH too big for the client counts like its payload. */
    @Test
    void userPropertiesCountTowardsTheClientsMaximumPacketSize() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "mpsp", new byte[] {0x27, 0, 0, 0, 100})) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            subscribe(s, 1, "d/mpsp/down/#", 0);
            assertThat(readPacket(in)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 0);
            fx.router.publish(new RoutedMessage("t", "d/mpsp/down/p", bytes("1"), 0, false,
                    List.of(new RoutedMessage.UserProperty("k", "v".repeat(90))), "x"));
            fx.router.publish(new RoutedMessage("t", "d/mpsp/down/s", bytes("small"), 0, false, List.of(), "x"));
            int[] next = readPacket(in);
            assertThat(Arrays.copyOfRange(next, 4, 4 + "d/mpsp/down/s".length()))
                    .as("the small one arrives, the one with the long property was discarded")
                    .containsExactly(toInts(bytes("d/mpsp/down/s")));
        }
    }

    /** MQTT 5 §3.1.2.11.4: a reason string that would exceed the client's limit is left out, the packet is sent. */
    @Test
    void aReasonStringOverTheClientsLimitIsLeftOut() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "mpsr", new byte[] {0x27, 0, 0, 0, 8})) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            s.getOutputStream().write(new byte[] {(byte) 0xf0, 2, 0x18, 0}); // AUTH 0x18 continue: protocol error
            assertThat(readPacket(in)).as("DISCONNECT 0x82 without its reason string").containsExactly(0xe0, 2, 0x82, 0);
        }
    }

    static void subscribe(Socket s, int id, String filter, int options) throws IOException {
        subscribe(s, id, new byte[0], filter, options);
    }

    static void subscribe(Socket s, int id, byte[] properties, String filter, int options) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {(byte) (id >> 8), (byte) id});
        RawMqtt.varInt(body, properties.length);
        body.writeBytes(properties);
        string(body, bytes(filter));
        body.write(options);
        packet(s.getOutputStream(), 0x82, body.toByteArray());
    }

    private static int[] toInts(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }
}
