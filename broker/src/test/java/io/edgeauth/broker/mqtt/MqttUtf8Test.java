package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.RawMqtt.bytes;
import static io.edgeauth.broker.mqtt.RawMqtt.closed;
import static io.edgeauth.broker.mqtt.RawMqtt.connected;
import static io.edgeauth.broker.mqtt.RawMqtt.packet;
import static io.edgeauth.broker.mqtt.RawMqtt.readPacket;
import static io.edgeauth.broker.mqtt.RawMqtt.string;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tour Q, Q2: a UTF-8 Encoded String must be well-formed (MQTT 5 §1.5.4, [MQTT-1.5.4-1]; 3.1.1 [MQTT-1.5.3-1]), else
 * the packet is malformed. Netty's decoder replaced ill-formed bytes by U+FFFD: byte-distinct topics collided (a
 * filter with an encoded surrogate received another client's messages to a topic with a stray 0xFF) and the
 * publisher's topic was rewritten. Property strings must not hold U+0000 either ([MQTT-1.5.4-2]).
 */
class MqttUtf8Test {
    private static EdgeFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    private static byte[] join(String a, byte[] middle, String b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes(a));
        out.writeBytes(middle);
        out.writeBytes(bytes(b));
        return out.toByteArray();
    }

    private static byte[] publish(byte[] topic, byte[] properties) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        body.writeBytes(new byte[] {0, 7}); // packet id
        if (properties != null) {
            RawMqtt.varInt(body, properties.length);
            body.writeBytes(properties);
        }
        body.write('x');
        return body.toByteArray();
    }

    private static final List<byte[]> ILL_FORMED = List.of(
            new byte[] {(byte) 0xff}, // starts no character
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // U+D800, a surrogate
            new byte[] {(byte) 0xc0, (byte) 0x80}, // an overlong U+0000
            new byte[] {(byte) 0xe2, (byte) 0x82}, // a character cut short
            new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}); // over U+10FFFF

    @Test
    void anIllFormedTopicIsAMalformedPacket() throws Exception {
        for (byte[] bad : ILL_FORMED) {
            try (Socket s = connected(fx.port(), 5, "utf")) {
                packet(s.getOutputStream(), 0x32, publish(join("d/utf/up/a", bad, "b"), new byte[0]));
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertThat(readPacket(in)).as("DISCONNECT 0x81 for %s", java.util.Arrays.toString(bad))
                        .containsExactly(0xe0, 2, 0x81, 0);
                assertThat(closed(in)).isTrue();
            }
            try (Socket s = connected(fx.port(), 4, "utf")) {
                packet(s.getOutputStream(), 0x32, publish(join("d/utf/up/a", bad, "b"), null));
                assertThat(closed(new DataInputStream(s.getInputStream()))).as("3.1.1: closed, no PUBACK").isTrue();
            }
        }
    }

    @Test
    void anIllFormedTopicFilterIsAMalformedPacket() throws Exception {
        try (Socket s = connected(fx.port(), 5, "utfsub")) {
            ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
            subscribe.writeBytes(new byte[] {0, 3, 0});
            string(subscribe, join("d/utfsub/down/", new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, ""));
            subscribe.write(1);
            packet(s.getOutputStream(), 0x82, subscribe.toByteArray());
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).containsExactly(0xe0, 2, 0x81, 0);
        }
    }

    @Test
    void anIllFormedOrNulPropertyStringIsAMalformedPacket() throws Exception {
        byte[][] properties = {
            join("\u0026\u0000\u0001a\u0000\u0001", new byte[] {(byte) 0xff}, ""), // user property value 0xFF
            join("\u0026\u0000\u0001", new byte[] {0}, "\u0000\u0001v"), // user property name U+0000
            join("\u0003\u0000\u0001", new byte[] {(byte) 0xc0}, ""), // content type
        };
        for (byte[] p : properties) {
            try (Socket s = connected(fx.port(), 5, "utfprop")) {
                packet(s.getOutputStream(), 0x32, publish(bytes("d/utfprop/up/t"), p));
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertThat(readPacket(in)).containsExactly(0xe0, 2, 0x81, 0);
            }
        }
    }

    @Test
    void aClientIdThatIsNotUtf8IsRefusedInTheConnack() throws Exception {
        try (Socket s = RawMqtt.socket(fx.port())) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, bytes("MQTT"));
            body.writeBytes(new byte[] {5, 0x02, 0, 60, 0});
            string(body, join("dev", new byte[] {(byte) 0xff}, ""));
            packet(s.getOutputStream(), 0x10, body.toByteArray());
            DataInputStream in = new DataInputStream(s.getInputStream());
            int[] connack = readPacket(in);
            assertThat(connack[0]).isEqualTo(0x20);
            assertThat(connack[3]).as("CONNACK 0x81 malformed").isEqualTo(0x81);
        }
    }

    @Test
    void wellFormedCharactersOfEveryLengthPass() throws Exception {
        try (Socket s = connected(fx.port(), 5, "utfok")) {
            byte[] topic = bytes("d/utfok/up/\u00e9\u20ac\ud83d\ude00"); // characters of 2, 3 and 4 bytes
            byte[] userProperty = bytes("\u0026\u0000\u0002\u00e9\u0000\u0004\ud83d\ude00");
            packet(s.getOutputStream(), 0x32, publish(topic, userProperty));
            DataInputStream in = new DataInputStream(s.getInputStream());
            int[] puback = readPacket(in);
            assertThat(puback[0]).isEqualTo(0x40);
            assertThat(puback.length == 4 ? 0 : puback[4]).as("accepted").isZero();
        }
    }
}
