package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.RawMqtt.bytes;
import static io.edgeauth.broker.mqtt.RawMqtt.closed;
import static io.edgeauth.broker.mqtt.RawMqtt.connect;
import static io.edgeauth.broker.mqtt.RawMqtt.packet;
import static io.edgeauth.broker.mqtt.RawMqtt.readPacket;
import static io.edgeauth.broker.mqtt.RawMqtt.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MQTT 5 session and subscription semantics a tour found missing (tour Q), byte by byte. */
class MqttSessionConformanceTest {
    private static final byte[] EXPIRY_60 = {0x11, 0, 0, 0, 60};
    private static EdgeFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    private static Socket connect5(String id, int flags, byte[] properties, int expectPresent) throws Exception {
        Socket s = RawMqtt.socket(fx.port());
        s.getOutputStream().write(connect(5, flags, id, id, bytes(TestPipeline.token(id, "t", 60)), 60, properties));
        int[] connack = readPacket(new DataInputStream(s.getInputStream()));
        assertThat(connack[0]).as("CONNACK").isEqualTo(0x20);
        assertThat(connack[3]).as("accepted").isZero();
        assertThat(connack[2]).as("session present").isEqualTo(expectPresent);
        return s;
    }

    private static void subscribe(Socket s, int id, String filter, int options) throws java.io.IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0, (byte) id, 0});
        string(b, bytes(filter));
        b.write(options);
        packet(s.getOutputStream(), 0x82, b.toByteArray());
    }

    private static Object session(String id) {
        return fx.edge.sessions.get("t\u0000" + id);
    }

    /** Q1: MQTT 5 §3.14.2.2.2: the DISCONNECT's Session Expiry Interval replaces the CONNECT's; 0 ends the session. */
    @Test
    void aDisconnectWithSessionExpiryZeroEndsThePersistentSession() throws Exception {
        try (Socket s = connect5("q1", 0x02, EXPIRY_60, 0)) {
            subscribe(s, 1, "d/q1/down/#", 1);
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            packet(s.getOutputStream(), 0xe0, new byte[] {0, 5, 0x11, 0, 0, 0, 0});
            assertThat(closed(in)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> session("q1") == null);
        try (Socket s = connect5("q1", 0x00, EXPIRY_60, 0)) {
            assertThat(s.isConnected()).isTrue();
        }
    }

    /** The same DISCONNECT can also keep a session longer than the CONNECT asked. */
    @Test
    void aDisconnectCanKeepTheSessionThatTheConnectWouldHaveEnded() throws Exception {
        try (Socket s = connect5("q1b", 0x02, new byte[] {0x11, 0, 0, 0, 1}, 0)) {
            packet(s.getOutputStream(), 0xe0, new byte[] {0, 5, 0x11, 0, 0, 0, 60});
            assertThat(closed(new DataInputStream(s.getInputStream()))).isTrue();
        }
        Thread.sleep(2_500); // past the CONNECT's 1 s
        try (Socket s = connect5("q1b", 0x00, EXPIRY_60, 1)) {
            assertThat(s.isConnected()).isTrue();
        }
    }

    /** [MQTT-3.14.2-2]: a non-zero interval in the DISCONNECT after a CONNECT without one is a protocol error. */
    @Test
    void aSessionExpiryInTheDisconnectAfterAConnectWithoutOneIsAProtocolError() throws Exception {
        try (Socket s = connect5("q1c", 0x02, new byte[0], 0)) {
            packet(s.getOutputStream(), 0xe0, new byte[] {0, 5, 0x11, 0, 0, 0, 60});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("DISCONNECT 0x82").containsExactly(0xe0, 2, 0x82, 0);
            assertThat(closed(in)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> session("q1c") == null);
    }
}
