package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.RawMqtt.bytes;
import static io.edgeauth.broker.mqtt.RawMqtt.closed;
import static io.edgeauth.broker.mqtt.RawMqtt.connect;
import static io.edgeauth.broker.mqtt.RawMqtt.packet;
import static io.edgeauth.broker.mqtt.RawMqtt.readPacket;
import static io.edgeauth.broker.mqtt.RawMqtt.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.mqtt.persist.SessionJournal;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a session keeps from one connection to the next: MQTT 5 session state rules a tour found broken (tour K). */
class MqttSessionStateTest {
    private static final byte[] EXPIRY_60 = {0x11, 0, 0, 0, 60};
    private static EdgeFixture fx;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    private static String scoped(String id) {
        return id + "|t|60|sub:x/# pub:x/#";
    }

    private static Socket connect5(EdgeFixture edge, String id, int flags, byte[] properties, int expectPresent)
            throws Exception {
        Socket s = RawMqtt.socket(edge.port());
        s.getOutputStream().write(connect(5, flags, id, id, bytes(scoped(id)), 60, properties));
        int[] connack = readPacket(new DataInputStream(s.getInputStream()));
        assertThat(connack[0]).as("CONNACK").isEqualTo(0x20);
        assertThat(connack[3]).as("accepted").isZero();
        assertThat(connack[2]).as("session present").isEqualTo(expectPresent);
        return s;
    }

    private static void subscribe(Socket s, String filter) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0, 1, 0});
        string(b, bytes(filter));
        b.write(1);
        packet(s.getOutputStream(), 0x82, b.toByteArray());
        assertThat(readPacket(new DataInputStream(s.getInputStream()))).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
    }

    private static void publishQos1(Socket s, String topic, int packetId, String payload) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        string(b, bytes(topic));
        b.writeBytes(new byte[] {0, (byte) packetId, 0});
        b.writeBytes(bytes(payload));
        packet(s.getOutputStream(), 0x32, b.toByteArray());
        assertThat(readPacket(new DataInputStream(s.getInputStream()))).as("PUBACK")
                .containsExactly(0x40, 2, 0, packetId);
    }

    /** A PUBLISH without properties as "header packetId payload". */
    private static String publishRead(DataInputStream in) throws Exception {
        int[] p = readPacket(in);
        int topicLength = p[2] << 8 | p[3];
        int idAt = 4 + topicLength;
        int packetId = p[idAt] << 8 | p[idAt + 1];
        StringBuilder payload = new StringBuilder();
        for (int i = idAt + 3; i < p.length; i++) {
            payload.append((char) p[i]);
        }
        return String.format("0x%x %d %s", p[0], packetId, payload);
    }

    /**
     * K1: a session whose first connection asked for none (Session Expiry 0) and that a second connection resumes with
     * Clean Start 0 and a Session Expiry Interval (taking the first over while it is still connected) outlives its
     * connection: it must keep the QoS 1 messages published while its client is away (MQTT 5 §4.1). Before, its
     * queue kept the offline bound of the first CONNECT (0) and dropped every one of them.
     */
    @Test
    void aSessionResumedWithAnExpiryKeepsMessagesWhileAwayAfterATakeOver() throws Exception {
        try (Socket first = connect5(fx, "k1", 0x02, new byte[0], 0);
             Socket pub = connect5(fx, "k1p", 0x02, new byte[0], 0)) {
            subscribe(first, "x/k1/#");
            try (Socket second = connect5(fx, "k1", 0x00, EXPIRY_60, 1)) {
                DataInputStream firstIn = new DataInputStream(first.getInputStream());
                assertThat(readPacket(firstIn)[2]).as("DISCONNECT 0x8E session taken over").isEqualTo(0x8e);
            } // closed without DISCONNECT: the session waits 60 s for its client
            await().atMost(Duration.ofSeconds(5)).until(() -> fx.edge.sessions.get("t\u0000k1") != null
                    && fx.edge.sessions.get("t\u0000k1").owner == null);
            publishQos1(pub, "x/k1/t", 7, "away");
            try (Socket back = connect5(fx, "k1", 0x00, EXPIRY_60, 1)) {
                assertThat(publishRead(new DataInputStream(back.getInputStream())))
                        .as("the message queued while away").isEqualTo("0x32 1 away");
            }
        }
    }

    /**
     * K2: the Session Expiry Interval a DISCONNECT sets (MQTT 5 §3.14.2.2.2) is the session's from then on, after a
     * restart too: a device that says "keep my session 10 minutes" as it goes to sleep must not find it expired after
     * the CONNECT's 5 s because the broker restarted meanwhile. Before, the journal kept the CONNECT's interval.
     */
    @Test
    void theSessionExpirySetAtDisconnectSurvivesARestart() throws Exception {
        Path file = dir.resolve("sessions.mv.db");
        try (SessionJournal journal = new SessionJournal(file)) {
            EdgeFixture before = new EdgeFixture(MqttSettings.plain(0), e -> e.sessionJournal(journal));
            try (Socket s = connect5(before, "k2", 0x02, new byte[] {0x11, 0, 0, 0, 5}, 0)) {
                subscribe(s, "x/k2/#");
                packet(s.getOutputStream(), 0xe0, new byte[] {0, 5, 0x11, 0, 0, 0x02, 0x58}); // 600 s
                assertThat(closed(new DataInputStream(s.getInputStream()))).isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> before.edge.sessions.get("t\u0000k2").owner == null);
            before.close();
            journal.durable().get();
        }
        try (SessionJournal journal = new SessionJournal(file)) {
            EdgeFixture after = new EdgeFixture(MqttSettings.plain(0), e -> e.sessionJournal(journal));
            try {
                assertThat(after.edge.sessions.get("t\u0000k2").expirySeconds).as("restored with the DISCONNECT's interval")
                        .isEqualTo(600);
            } finally {
                after.close();
            }
        }
    }

    /**
     * A filter an older build journaled and this one refuses (a share group with U+0000, tour AH, AH3) must not keep
     * the broker from starting: the router refused it and the exception ended the restore. It is left out, with the
     * session's other subscriptions restored.
     */
    @Test
    void aJournaledFilterTheRouterNowRefusesIsLeftOutAtRestore() throws Exception {
        Path file = dir.resolve("sessions.mv.db");
        try (SessionJournal journal = new SessionJournal(file)) {
            journal.saveSession(new io.edgeauth.broker.mqtt.persist.PersistedSession("t\u0000ah3", "t", "ah3", "ah3",
                    600, java.util.Map.of("$share/a\u0000b/x/ah3/#", 1, "x/ah3/#", 1)));
            journal.durable().get();
        }
        try (SessionJournal journal = new SessionJournal(file)) {
            EdgeFixture after = new EdgeFixture(MqttSettings.plain(0), e -> e.sessionJournal(journal));
            try {
                assertThat(after.edge.sessions.get("t\u0000ah3").subscriptions).containsOnlyKeys("x/ah3/#");
            } finally {
                after.close();
            }
        }
    }

    /**
     * K3: [MQTT-4.4.0-1]: a client that resumes its session gets its unacknowledged QoS 1 messages again with their
     * original packet identifiers (and DUP 1). Before, each resend took the next free id of the new connection.
     */
    @Test
    void unacknowledgedMessagesAreSentAgainWithTheirPacketIdentifiers() throws Exception {
        try (Socket pub = connect5(fx, "k3p", 0x02, new byte[0], 0)) {
            try (Socket sub = connect5(fx, "k3", 0x02, EXPIRY_60, 0)) {
                subscribe(sub, "x/k3/#");
                DataInputStream in = new DataInputStream(sub.getInputStream());
                for (int i = 1; i <= 3; i++) {
                    publishQos1(pub, "x/k3/t", 10 + i, "m" + i);
                }
                assertThat(publishRead(in)).isEqualTo("0x32 1 m1");
                assertThat(publishRead(in)).isEqualTo("0x32 2 m2");
                assertThat(publishRead(in)).isEqualTo("0x32 3 m3");
                packet(sub.getOutputStream(), 0x40, new byte[] {0, 1}); // m1 acknowledged, m2 and m3 not
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> fx.edge.sessions.get("t\u0000k3").owner == null);
            try (Socket back = connect5(fx, "k3", 0x00, EXPIRY_60, 1)) {
                DataInputStream in = new DataInputStream(back.getInputStream());
                assertThat(publishRead(in)).as("DUP 1, its first id").isEqualTo("0x3a 2 m2");
                assertThat(publishRead(in)).as("DUP 1, its first id").isEqualTo("0x3a 3 m3");
                publishQos1(pub, "x/k3/t", 14, "m4");
                assertThat(publishRead(in)).as("a new message: an id not in flight").isEqualTo("0x32 1 m4");
            }
        }
    }

    /**
     * K6: MQTT 5 §3.1.4: on a takeover the existing connection is closed and "If the existing Client has a Will Message,
     * that Will Message is published" as part of handling the new CONNECT. A device that reconnects (its old connection
     * half-open) and says "online" as its first message must not have that overwritten by its old connection's will:
     * before, the will went out only when the old connection closed, 500 ms after its DISCONNECT 0x8E, after the new
     * connection's "online", and the retained status of a device that was online read "offline". Now it is published
     * by a task on the old connection's loop queued before the new CONNACK is written (a round trip before the PUBLISH).
     */
    @Test
    void aTakenOverConnectionsWillComesBeforeWhatTheNewConnectionPublishes() throws Exception {
        try (Socket watcher = connect5(fx, "k6w", 0x02, new byte[0], 0)) {
            subscribe(watcher, "x/k6/#");
            DataInputStream watched = new DataInputStream(watcher.getInputStream());
            try (Socket old = connectWithWill("k6", "x/k6/status", "offline");
                 Socket now = connect5(fx, "k6", 0x02, new byte[0], 0)) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                string(b, bytes("x/k6/status"));
                b.writeBytes(new byte[] {0, 9, 0});
                b.writeBytes(bytes("online"));
                packet(now.getOutputStream(), 0x33, b.toByteArray()); // QoS 1, RETAIN
                assertThat(readPacket(new DataInputStream(now.getInputStream()))).as("PUBACK").containsExactly(0x40, 2, 0, 9);
                assertThat(payloadOf(publishRead(watched))).as("the old connection's will first").isEqualTo("offline");
                assertThat(payloadOf(publishRead(watched))).as("then the new connection's message").isEqualTo("online");
            }
        }
        try (Socket late = connect5(fx, "k6r", 0x02, new byte[0], 0)) {
            subscribe(late, "x/k6/status");
            assertThat(payloadOf(publishRead(new DataInputStream(late.getInputStream())))).as("retained")
                    .isEqualTo("online");
        }
    }

    private static String payloadOf(String publish) {
        return publish.substring(publish.indexOf(' ', publish.indexOf(' ') + 1) + 1);
    }

    /** An MQTT 5 CONNECT with a retained QoS 1 will and no will properties, Clean Start 1; its CONNACK read. */
    private static Socket connectWithWill(String id, String willTopic, String willPayload) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, bytes("MQTT"));
        body.write(5);
        body.write(0x80 | 0x40 | 0x20 | 0x08 | 0x04 | 0x02); // user name, password, will retain, will QoS 1, will
        body.writeBytes(new byte[] {0, 60, 0}); // keep-alive, no properties
        string(body, bytes(id));
        body.write(0); // no will properties
        string(body, bytes(willTopic));
        string(body, bytes(willPayload));
        string(body, bytes(id));
        string(body, bytes(scoped(id)));
        Socket s = RawMqtt.socket(fx.port());
        packet(s.getOutputStream(), 0x10, body.toByteArray());
        int[] connack = readPacket(new DataInputStream(s.getInputStream()));
        assertThat(connack[0]).as("CONNACK").isEqualTo(0x20);
        assertThat(connack[3]).as("accepted").isZero();
        return s;
    }
}
