package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.RawMqtt.bytes;
import static io.edgeauth.broker.mqtt.RawMqtt.closed;
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

    /** MQTT 5 §4.13: a PINGREQ with a body is malformed; its body must not be read as the next packet. */
    @Test
    void aPingreqWithABodyIsMalformed() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "ping1")) {
            s.getOutputStream().write(new byte[] {(byte) 0xc0, 1, 0});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x81, no PINGRESP").containsExactly(0xe0, 2, 0x81, 0);
            assertThat(closed(in)).isTrue();
        }
    }

    /** A client's CONNACK (2 bytes) must not be decoded with MQTT 5 properties read past its end. */
    @Test
    void aConnackFromTheClientIsAProtocolError() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "connack")) {
            s.getOutputStream().write(new byte[] {0x20, 2, 0, 0});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x82").containsExactly(0xe0, 2, 0x82, 0);
            assertThat(closed(in)).isTrue();
        }
    }

    /** A PUBACK with a byte after its properties: malformed, that byte is not the start of the next packet. */
    @Test
    void aPubackWithBytesAfterItsPropertiesIsMalformed() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "puback")) {
            // PUBACK id 1, reason 0, no properties, then 0xc0 inside its remaining length of 5; then 0x00
            s.getOutputStream().write(new byte[] {0x40, 5, 0, 1, 0, 0, (byte) 0xc0, 0});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x81").containsExactly(0xe0, 2, 0x81, 0);
            assertThat(closed(in)).isTrue();
        }
    }

    /** A DISCONNECT with bytes after its properties: malformed. */
    @Test
    void aDisconnectWithTrailingBytesIsMalformed() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "disc")) {
            s.getOutputStream().write(new byte[] {(byte) 0xe0, 3, 0, 0, (byte) 0xc0});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x81").containsExactly(0xe0, 2, 0x81, 0);
        }
    }

    /** MQTT 3.1.1 §3.4.1: a PUBACK's remaining length is 2; a third byte is malformed, not a reason code. */
    @Test
    void anMqtt311PubackOfThreeBytesClosesTheConnection() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 4, "puback311")) {
            s.getOutputStream().write(new byte[] {0x40, 3, 0, 1, 0, (byte) 0xc0, 0}); // then a PINGREQ
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.read()).as("closed, no PINGRESP").isEqualTo(-1);
        }
    }

    /** MQTT 3.1.1 §3.12.1: a PINGREQ with a body is malformed too: closed, no PINGRESP. */
    @Test
    void anMqtt311PingreqWithABodyClosesTheConnection() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 4, "ping311")) {
            s.getOutputStream().write(new byte[] {(byte) 0xc0, 1, (byte) 0xc0, 0});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.read()).as("closed, no PINGRESP").isEqualTo(-1);
        }
    }

    /** MQTT 5 §3.2.2.3.12: CONNACK says Subscription Identifiers Available 0, so a SUBSCRIBE with one gets 0xA1. */
    @Test
    void aSubscriptionIdentifierGetsNotSupported() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "subid")) {
            subscribe(s, 3, new byte[] {0x0b, 5}, "d/subid/down/#", 1);
            int[] disconnect = readPacket(new DataInputStream(s.getInputStream()));
            assertThat(disconnect[0]).as("DISCONNECT, no SUBACK").isEqualTo(0xe0);
            assertThat(disconnect[2]).as("0xA1 subscription identifiers not supported").isEqualTo(0xa1);
        }
    }

    /** MQTT 5 §3.8.2.1.2: a Subscription Identifier of 0 is a protocol error. */
    @Test
    void aSubscriptionIdentifierOfZeroIsAProtocolError() throws Exception {
        assertDisconnect(0x82, out -> subscribe(out, 3, new byte[] {0x0b, 0}, "d/c/down/#", 1));
    }

    /** MQTT 5 §3.8.3, §3.10.3: SUBSCRIBE and UNSUBSCRIBE need at least one topic filter. */
    @Test
    void subscribeAndUnsubscribeWithoutTopicFiltersAreProtocolErrors() throws Exception {
        assertDisconnect(0x82, out -> out.getOutputStream().write(new byte[] {(byte) 0x82, 3, 0, 5, 0}));
        assertDisconnect(0x82, out -> out.getOutputStream().write(new byte[] {(byte) 0xa2, 3, 0, 6, 0}));
    }

    /** MQTT 5 §3.8.3.1: reserved option bits are malformed; Retain Handling 3 and a shared No Local are errors. */
    @Test
    void badSubscriptionOptionsAreRefused() throws Exception {
        assertDisconnect(0x81, out -> subscribe(out, 4, "d/c/down/#", 0xc0));
        assertDisconnect(0x82, out -> subscribe(out, 4, "d/c/down/#", 0x30));
        assertDisconnect(0x82, out -> subscribe(out, 4, "$share/g/d/c/down/#", 0x04));
    }

    /**
     * MQTT 5 §2.2.2.2, §3.3.4: a client's PUBLISH with a Subscription Identifier (protocol error), with a property
     * only a CONNECT carries (malformed), with a property given twice (protocol error).
     */
    @Test
    void publishPropertiesAClientMayNotSendAreRefused() throws Exception {
        assertDisconnect(0x82, out -> publish(out, new byte[] {0x0b, 1}));
        assertDisconnect(0x81, out -> publish(out, new byte[] {0x11, 0, 0, 0, 5}));
        assertDisconnect(0x82, out -> publish(out, new byte[] {0x01, 1, 0x01, 0}));
    }

    /** MQTT 5 §3.1.2.11: property values the specification forbids, duplicates, and a PUBLISH-only property. */
    @Test
    void connectPropertiesThatBreakTheProtocolAreRefused() throws Exception {
        assertConnackRefused(0x82, 0x02, new byte[] {0x21, 0, 0}); // Receive Maximum 0
        assertConnackRefused(0x82, 0x02, new byte[] {0x27, 0, 0, 0, 0}); // Maximum Packet Size 0
        assertConnackRefused(0x82, 0x02, new byte[] {0x17, 2}); // Request Problem Information 2
        assertConnackRefused(0x82, 0x02, new byte[] {0x19, 2}); // Request Response Information 2
        assertConnackRefused(0x82, 0x02, new byte[] {0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2}); // Session Expiry twice
        assertConnackRefused(0x81, 0x02, new byte[] {0x23, 0, 1}); // Topic Alias: PUBLISH only
    }

    /** MQTT 5 §3.1.2.6, §3.1.2.7: Will QoS or Will Retain without the Will Flag is malformed. */
    @Test
    void willQosOrRetainWithoutTheWillFlagIsMalformed() throws Exception {
        assertConnackRefused(0x81, 0x02 | 0x08, new byte[0]);
        assertConnackRefused(0x81, 0x02 | 0x20, new byte[0]);
    }

    /** MQTT 3.1.1 §3.1.2.6: the same CONNECT in MQTT 3.1.1 is closed without a CONNACK. */
    @Test
    void anMqtt311WillQosWithoutTheWillFlagIsClosed() throws Exception {
        try (Socket s = RawMqtt.socket(fx.port())) {
            s.getOutputStream().write(RawMqtt.connect(4, 0x02 | 0x08, "w311", "w311",
                    bytes(TestPipeline.token("w311", "t", 60)), 60, new byte[0]));
            assertThat(s.getInputStream().read()).as("closed, no CONNACK").isEqualTo(-1);
        }
    }

    private static void assertConnackRefused(int code, int flags, byte[] properties) throws IOException {
        try (Socket s = RawMqtt.socket(fx.port())) {
            s.getOutputStream().write(RawMqtt.connect(5, flags, "bad", "bad", bytes(TestPipeline.token("bad", "t", 60)),
                    60, properties));
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("CONNACK 0x%x for properties %s, flags 0x%x", code,
                    Arrays.toString(properties), flags).containsExactly(0x20, 3, 0, code, 0);
            assertThat(closed(in)).isTrue();
        }
    }

    private interface Send {
        void to(Socket s) throws IOException;
    }

    /** Connects, sends, and expects DISCONNECT with {@code code} (no reason string: the wire's own) and the close. */
    private static void assertDisconnect(int code, Send send) throws IOException {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "c")) {
            send.to(s);
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x%x", code).containsExactly(0xe0, 2, code, 0);
            assertThat(closed(in)).isTrue();
        }
    }

    private static void publish(Socket s, byte[] properties) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, bytes("d/c/up/x"));
        body.writeBytes(new byte[] {0, 1});
        RawMqtt.varInt(body, properties.length);
        body.writeBytes(properties);
        body.write('x');
        packet(s.getOutputStream(), 0x32, body.toByteArray());
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
