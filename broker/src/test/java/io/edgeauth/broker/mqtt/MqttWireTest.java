package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.RawMqtt.bytes;
import static io.edgeauth.broker.mqtt.RawMqtt.closed;
import static io.edgeauth.broker.mqtt.RawMqtt.connect;
import static io.edgeauth.broker.mqtt.RawMqtt.packet;
import static io.edgeauth.broker.mqtt.RawMqtt.readPacket;
import static io.edgeauth.broker.mqtt.RawMqtt.string;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edge's own MQTT wire (Netty's codec), byte by byte over a socket: the CONNECT password as raw bytes, a
 * password without a user name, packets sent before the CONNACK, and hostile framing.
 */
class MqttWireTest {
    private static final byte[] RAW_CWT = {(byte) 0xd2, (byte) 0x84, 0x43, (byte) 0xa1, 0x01, 0x26, (byte) 0xff,
            (byte) 0xfe, 0x00, (byte) 0xc3, 0x28};
    private static EdgeFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withLimits(MqttSettings.Limits.builder().maxPacketSize(4096).build()));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    @Test
    void aRawCwtPasswordReachesThePipelineByteForByte() throws Exception {
        // binary COSE, not valid UTF-8: a decoder that reads the password as text would corrupt it
        try (Socket s = socket()) {
            s.getOutputStream().write(connect(4, "raw-cwt", "raw-cwt", RAW_CWT));
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.readUnsignedByte()).as("CONNACK").isEqualTo(0x20);
        }
        assertThat(fx.pipeline.requests).anySatisfy(r -> {
            assertThat(r.claimedId()).isEqualTo("raw-cwt");
            assertThat(r.token()).containsExactly(RAW_CWT);
        });
    }

    @Test
    void aClientSilentForOneAndAHalfKeepAlivesIsClosed() throws Exception {
        // MQTT §3.1.2.10: no packet within 1.5 x the keep-alive (1 s here) ends the connection
        try (Socket s = socket()) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(connect(4, "silent", "silent", bytes(TestPipeline.token("silent", "t", 60)), 1));
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.readUnsignedByte()).as("CONNACK").isEqualTo(0x20);
            in.readNBytes(3);
            int next;
            try {
                next = in.read();
            } catch (SocketException reset) {
                next = -1;
            }
            assertThat(next).as("the broker closed the silent connection").isEqualTo(-1);
        }
    }

    @Test
    void anMqtt5PasswordWithoutUserNameIsTheToken() throws Exception {
        // MQTT 5 §3.1.2.9 allows a password without a user name
        try (Socket s = socket()) {
            s.getOutputStream().write(connect(5, "dev5", null, bytes(TestPipeline.token("dev5", "t", 60))));
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.readUnsignedByte()).as("CONNACK").isEqualTo(0x20);
            in.readUnsignedByte();
            in.readUnsignedByte(); // session present
            assertThat(in.readUnsignedByte()).as("reason: success").isZero();
        }
    }

    @Test
    void packetsSentBeforeTheConnackAreAnsweredAfterIt() throws Exception {
        // MQTT 3.1.1 §3.1.4: a client need not wait for the CONNACK (the pipeline answers asynchronously)
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        burst.writeBytes(connect(4, "early", "early", bytes(TestPipeline.token("early", "t", 60))));
        ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
        subscribe.writeBytes(new byte[] {0, 7});
        string(subscribe, bytes("d/early/down/#"));
        subscribe.write(1);
        packet(burst, 0x82, subscribe.toByteArray());
        ByteArrayOutputStream publish = new ByteArrayOutputStream();
        string(publish, bytes("d/early/up/t"));
        publish.writeBytes(new byte[] {0, 9, 'x'});
        packet(burst, 0x32, publish.toByteArray());
        burst.writeBytes(new byte[] {(byte) 0xc0, 0}); // PINGREQ
        try (Socket s = socket()) {
            s.getOutputStream().write(burst.toByteArray());
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("CONNACK").containsExactly(0x20, 2, 0, 0);
            assertThat(readPacket(in)).as("SUBACK granted QoS 1").containsExactly(0x90, 3, 0, 7, 1);
            assertThat(readPacket(in)).as("PUBACK").containsExactly(0x40, 2, 0, 9);
            assertThat(readPacket(in)).as("PINGRESP").containsExactly(0xd0, 0);
        }
    }

    @Test
    void aPacketBeforeConnectEndsTheConnection() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write(new byte[] {(byte) 0xc0, 0}); // PINGREQ first
            assertThat(s.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
        }
    }

    @Test
    void aRemainingLengthOverFourBytesIsAMalformedPacket() throws Exception {
        try (Socket s = connected(5, "malformed")) {
            s.getOutputStream().write(new byte[] {0x30, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x81 malformed packet").containsExactly(0xe0, 2, 0x81, 0);
            assertThat(closed(in)).isTrue();
        }
    }

    @Test
    void aPacketOverTheMaximumSizeGetsPacketTooLarge() throws Exception {
        try (Socket s = connected(5, "oversized")) {
            ByteArrayOutputStream publish = new ByteArrayOutputStream();
            int len = 5000; // over maxPacketSize 4096; only the header is sent: the refusal must not wait for the rest
            publish.write(0x30);
            for (int l = len; l > 0; l /= 128) {
                publish.write(l >= 128 ? (l % 128) | 0x80 : l);
            }
            publish.writeBytes(new byte[] {0, 1, 't', 0});
            s.getOutputStream().write(publish.toByteArray());
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x95 packet too large").containsExactly(0xe0, 2, 0x95, 0);
            assertThat(closed(in)).isTrue();
        }
    }

    /**
     * Tour Q, Q6: MQTT 5 §3.2.2.3.6: the Maximum Packet Size counts the whole packet, fixed header included; a PUBLISH
     * whose remaining length fits the limit but whose packet does not was taken (1 to 4 bytes over it).
     */
    @Test
    void theMaximumPacketSizeCountsTheFixedHeader() throws Exception {
        for (int total : new int[] {4096, 4097}) {
            try (Socket s = connected(5, "whole" + total)) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                string(body, bytes("d/whole" + total + "/up/t"));
                body.writeBytes(new byte[] {0, 9, 0}); // packet id, no properties
                int header = 1 + 2; // type and a two-byte remaining length (128 to 16,383)
                body.writeBytes(new byte[total - header - body.size()]);
                packet(s.getOutputStream(), 0x32, body.toByteArray());
                DataInputStream in = new DataInputStream(s.getInputStream());
                int[] answer = readPacket(in);
                if (total == 4096) {
                    assertThat(answer[0]).as("a packet of exactly the limit: PUBACK").isEqualTo(0x40);
                } else {
                    assertThat(answer).as("one byte over: DISCONNECT 0x95").containsExactly(0xe0, 2, 0x95, 0);
                }
            }
        }
    }

    /**
     * A topic with U+0000 or a control character, forwarded, made standard subscribers (mosquitto_sub) drop their
     * connection: refused now, PUBACK 0x90 Topic Name invalid and SUBACK 0x8F Topic Filter invalid (it was 0x00).
     */
    @Test
    void aTopicWithNulOrControlCharactersIsRefused() throws Exception {
        try (Socket s = connected(5, "ctl")) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[][] topics = {bytes("d/ctl/up/a\u0000b"), bytes("d/ctl/up/a\u001b[2J")};
            for (int i = 0; i < topics.length; i++) {
                ByteArrayOutputStream publish = new ByteArrayOutputStream();
                string(publish, topics[i]);
                publish.writeBytes(new byte[] {0, (byte) (11 + i), 0, 'x'}); // packet id, no properties, payload
                packet(s.getOutputStream(), 0x32, publish.toByteArray());
                int[] puback = readPacket(in);
                assertThat(puback[0]).isEqualTo(0x40);
                assertThat(puback[4]).as("PUBACK reason: topic name invalid").isEqualTo(0x90);
            }
            ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
            subscribe.writeBytes(new byte[] {0, 13, 0});
            string(subscribe, bytes("d/ctl/down/\u0000"));
            subscribe.write(1);
            packet(s.getOutputStream(), 0x82, subscribe.toByteArray());
            int[] suback = readPacket(in);
            assertThat(suback[0]).isEqualTo(0x90);
            assertThat(suback[suback.length - 1]).as("SUBACK reason: topic filter invalid").isEqualTo(0x8f);
        }
    }

    /**
     * The share group name of {@code $share/<group>/<filter>} is part of the filter: U+0000 or a control character
     * there is refused as in the rest of it (SUBACK 0x8F), not made a share group (tour AH, AH3).
     */
    @Test
    void aShareGroupWithNulOrControlCharactersIsRefused() throws Exception {
        try (Socket s = connected(5, "grp")) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            String[] filters = {"$share/a\u0000b/d/grp/down/#", "$share/a\u001b[2Jb/d/grp/down/#", "$share/ok/d/grp/down/#"};
            ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
            subscribe.writeBytes(new byte[] {0, 14, 0});
            for (String filter : filters) {
                string(subscribe, bytes(filter));
                subscribe.write(1);
            }
            packet(s.getOutputStream(), 0x82, subscribe.toByteArray());
            int[] suback = readPacket(in);
            assertThat(suback[0]).isEqualTo(0x90);
            assertThat(java.util.Arrays.copyOfRange(suback, suback.length - 3, suback.length))
                    .as("SUBACK reasons: topic filter invalid twice, then granted QoS 1").containsExactly(0x8f, 0x8f, 1);
        }
    }

    @Test
    void anMqtt5UnsubackHasOneReasonCodePerFilter() throws Exception {
        try (Socket s = connected(5, "unsub")) {
            ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
            subscribe.writeBytes(new byte[] {0, 3, 0}); // id 3, no properties
            string(subscribe, bytes("d/unsub/down/#"));
            subscribe.write(1);
            packet(s.getOutputStream(), 0x82, subscribe.toByteArray());
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("SUBACK").containsExactly(0x90, 4, 0, 3, 0, 1);
            ByteArrayOutputStream unsubscribe = new ByteArrayOutputStream();
            unsubscribe.writeBytes(new byte[] {0, 4, 0});
            string(unsubscribe, bytes("d/unsub/down/#"));
            string(unsubscribe, bytes("d/unsub/down/never"));
            packet(s.getOutputStream(), 0xa2, unsubscribe.toByteArray());
            assertThat(readPacket(in)).as("UNSUBACK: success, no subscription existed")
                    .containsExactly(0xb0, 5, 0, 4, 0, 0x00, 0x11);
        }
    }

    private static Socket socket() throws IOException {
        return RawMqtt.socket(fx.port());
    }

    private static Socket connected(int version, String id) throws IOException {
        return RawMqtt.connected(fx.port(), version, id);
    }
}
