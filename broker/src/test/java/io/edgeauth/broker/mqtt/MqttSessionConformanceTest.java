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
        return connect5(id, TestPipeline.token(id, "t", 60), flags, properties, expectPresent);
    }

    private static Socket connect5(String id, String token, int flags, byte[] properties, int expectPresent)
            throws Exception {
        Socket s = RawMqtt.socket(fx.port());
        s.getOutputStream().write(connect(5, flags, id, id, bytes(token), 60, properties));
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

    private static void publish(Socket s, String topic, int header, int packetId, String payload) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        string(b, bytes(topic));
        b.writeBytes(new byte[] {0, (byte) packetId, 0}); // packet id, no properties
        b.writeBytes(bytes(payload));
        packet(s.getOutputStream(), header, b.toByteArray());
    }

    private static String scoped(String id) {
        return id + "|t|60|sub:x/# pub:x/#";
    }

    /** Q3: MQTT 5 §3.8.3.1 [MQTT-3.8.3-3]: No Local, a client's own messages are not sent back to it. */
    @Test
    void noLocalKeepsAClientsOwnMessagesFromIt() throws Exception {
        try (Socket self = connect5("nl", scoped("nl"), 0x02, new byte[0], 0);
             Socket other = connect5("nl2", scoped("nl2"), 0x02, new byte[0], 0)) {
            DataInputStream selfIn = new DataInputStream(self.getInputStream());
            DataInputStream otherIn = new DataInputStream(other.getInputStream());
            subscribe(self, 1, "x/nl/#", 0x05); // QoS 1, No Local
            assertThat(readPacket(selfIn)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            subscribe(other, 1, "x/nl/#", 0x01);
            assertThat(readPacket(otherIn)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            publish(self, "x/nl/a", 0x32, 5, "mine");
            assertThat(readPacket(selfIn)[0]).as("the PUBACK, not its own message").isEqualTo(0x40);
            assertThat(readPacket(otherIn)[0]).as("another client gets it").isEqualTo(0x32);
            publish(other, "x/nl/b", 0x32, 6, "theirs");
            assertThat(readPacket(selfIn)[0]).as("another client's message reaches a No Local subscription")
                    .isEqualTo(0x32);
            self.setSoTimeout(500);
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> readPacket(selfIn)))
                    .as("nothing more: its own message never came").isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    /** Q4: MQTT 5 §3.3.1.3 [MQTT-3.3.1-13]: Retain As Published keeps the publisher's RETAIN flag on live messages. */
    @Test
    void retainAsPublishedKeepsTheRetainFlag() throws Exception {
        try (Socket rap = connect5("rap", scoped("rap"), 0x02, new byte[0], 0);
             Socket plain = connect5("rap0", scoped("rap0"), 0x02, new byte[0], 0);
             Socket publisher = connect5("rap2", scoped("rap2"), 0x02, new byte[0], 0)) {
            DataInputStream rapIn = new DataInputStream(rap.getInputStream());
            DataInputStream plainIn = new DataInputStream(plain.getInputStream());
            subscribe(rap, 1, "x/rap/#", 0x09); // QoS 1, Retain As Published
            assertThat(readPacket(rapIn)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            subscribe(plain, 1, "x/rap/#", 0x01);
            assertThat(readPacket(plainIn)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            publish(publisher, "x/rap/t", 0x33, 7, "r1"); // QoS 1, RETAIN
            assertThat(readPacket(rapIn)[0]).as("QoS 1 with RETAIN as published").isEqualTo(0x33);
            assertThat(readPacket(plainIn)[0]).as("QoS 1, RETAIN 0 on a live message without the option")
                    .isEqualTo(0x32);
            publish(publisher, "x/rap/t", 0x31, 8, ""); // clear it
        }
    }

    /**
     * Tour Q, Q5: QoS 2 is exactly once on the way in (MQTT 5 §4.3.3): a PUBLISH sent again with a packet id not yet
     * released by PUBREL (a client that lost the PUBREC) is answered PUBREC and not routed a second time; PUBREL of an
     * unknown id gets PUBCOMP 0x92. Before, every re-send reached the subscribers again.
     */
    @Test
    void aQos2PublishSentAgainBeforeItsReleaseIsRoutedOnce() throws Exception {
        try (Socket sub = connect5("q2s", scoped("q2s"), 0x02, new byte[0], 0);
             Socket pub = connect5("q2p", scoped("q2p"), 0x02, new byte[0], 0)) {
            DataInputStream subIn = new DataInputStream(sub.getInputStream());
            DataInputStream pubIn = new DataInputStream(pub.getInputStream());
            subscribe(sub, 1, "x/q2/#", 0x01);
            assertThat(readPacket(subIn)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            publish(pub, "x/q2/t", 0x34, 100, "once");
            assertThat(readPacket(pubIn)).as("PUBREC").containsExactly(0x50, 2, 0, 100);
            publish(pub, "x/q2/t", 0x3c, 100, "once"); // DUP: its PUBREC was lost
            assertThat(readPacket(pubIn)).as("PUBREC again").containsExactly(0x50, 2, 0, 100);
            assertThat(readPacket(subIn)[0]).as("delivered").isEqualTo(0x32);
            packet(pub.getOutputStream(), 0x62, new byte[] {0, 100});
            assertThat(readPacket(pubIn)).as("PUBCOMP").containsExactly(0x70, 2, 0, 100);
            packet(pub.getOutputStream(), 0x62, new byte[] {0, 101});
            int[] unknown = readPacket(pubIn);
            assertThat(unknown[0]).isEqualTo(0x70);
            assertThat(unknown[4]).as("PUBCOMP 0x92 packet identifier not found").isEqualTo(0x92);
            publish(pub, "x/q2/t", 0x34, 100, "again"); // the id released: a new message
            assertThat(readPacket(pubIn)).as("PUBREC").containsExactly(0x50, 2, 0, 100);
            int[] second = readPacket(subIn);
            assertThat(second[0]).as("the new message").isEqualTo(0x32);
            assertThat(new String(toBytes(second), java.nio.charset.StandardCharsets.UTF_8)).endsWith("again");
        }
    }

    /** More unreleased QoS 2 PUBLISHes than the Receive Maximum the edge announced: DISCONNECT 0x93 (§3.3.4). */
    @Test
    void unreleasedQos2PublishesBeyondTheReceiveMaximumEndTheConnection() throws Exception {
        int max = MqttSettings.plain(0).limits().receiveMaximum();
        try (Socket pub = connect5("q2max", scoped("q2max"), 0x02, new byte[0], 0)) {
            DataInputStream in = new DataInputStream(pub.getInputStream());
            for (int id = 1; id <= max; id++) {
                publish(pub, "x/q2max/t", 0x34, id, "m");
                assertThat(readPacket(in)[0]).as("PUBREC %s", id).isEqualTo(0x50);
            }
            publish(pub, "x/q2max/t", 0x34, max + 1, "m");
            int[] disconnect = readPacket(in);
            assertThat(disconnect[0]).as("DISCONNECT").isEqualTo(0xe0);
            assertThat(disconnect[2]).as("0x93 Receive Maximum exceeded").isEqualTo(0x93);
        }
    }

    /** Tour Q, Q7: §3.3.2.1: a zero-length topic without a Topic Alias is a protocol error (it got PUBACK 0x90). */
    @Test
    void anEmptyTopicWithoutAnAliasIsAProtocolError() throws Exception {
        try (Socket pub = connect5("q7t", 0x02, new byte[0], 0)) {
            publish(pub, "", 0x32, 3, "m");
            DataInputStream in = new DataInputStream(pub.getInputStream());
            int[] answer = readPacket(in);
            assertThat(answer[0]).as("DISCONNECT").isEqualTo(0xe0);
            assertThat(answer[2]).as("0x82 protocol error").isEqualTo(0x82);
        }
    }

    /** Tour Q, Q7: §3.1.2.11.10: Authentication Data without an Authentication Method is a protocol error. */
    @Test
    void authenticationDataWithoutAMethodIsAProtocolError() throws Exception {
        try (Socket s = RawMqtt.socket(fx.port())) {
            s.getOutputStream().write(connect(5, 0x02, "q7a", "q7a", bytes(TestPipeline.token("q7a", "t", 60)), 60,
                    new byte[] {0x16, 0, 1, 'x'}));
            int[] connack = readPacket(new DataInputStream(s.getInputStream()));
            assertThat(connack[0]).isEqualTo(0x20);
            assertThat(connack[3]).as("CONNACK 0x82").isEqualTo(0x82);
        }
    }

    /**
     * Tour Q, Q7: a will topic is a topic name ([MQTT-4.7.0-1]: no wildcards): the CONNECT is refused, MQTT 5 with
     * CONNACK 0x90, MQTT 3.1.1 by closing (§3.1.4); it was accepted and the will dropped when due.
     */
    @Test
    void aWillTopicWithAWildcardRefusesTheConnect() throws Exception {
        for (int version : new int[] {5, 4}) {
            try (Socket s = RawMqtt.socket(fx.port())) {
                ByteArrayOutputStream packetBody = new ByteArrayOutputStream();
                string(packetBody, bytes("MQTT"));
                packetBody.writeBytes(new byte[] {(byte) version, (byte) 0xc6, 0, 60});
                if (version == 5) {
                    packetBody.write(0); // CONNECT properties
                }
                string(packetBody, bytes("q7w"));
                if (version == 5) {
                    packetBody.write(0); // will properties
                }
                string(packetBody, bytes("d/q7w/up/+"));
                string(packetBody, bytes("gone"));
                string(packetBody, bytes("q7w"));
                string(packetBody, bytes(TestPipeline.token("q7w", "t", 60)));
                packet(s.getOutputStream(), 0x10, packetBody.toByteArray());
                DataInputStream in = new DataInputStream(s.getInputStream());
                if (version == 5) {
                    int[] connack = readPacket(in);
                    assertThat(connack[3]).as("CONNACK 0x90 topic name invalid").isEqualTo(0x90);
                } else {
                    assertThat(closed(in)).as("3.1.1: closed without a CONNACK").isTrue();
                }
            }
        }
    }

    /**
     * Tour V, V4: CONNECTs of one client id at once left several connections live (both binds saw no session, or
     * both took over the same one): one session, one connection, the others ended with DISCONNECT 0x8E.
     */
    @Test
    void connectsOfOneClientIdAtOnceLeaveOneConnection() throws Exception {
        for (int round = 0; round < 15; round++) {
            String id = "v4r" + round;
            byte[] connect = connect(5, 0x00, id, id, bytes(TestPipeline.token(id, "t", 60)), 60, EXPIRY_60);
            Socket[] sockets = new Socket[8];
            for (int i = 0; i < sockets.length; i++) {
                sockets[i] = RawMqtt.socket(fx.port());
            }
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(sockets.length);
            Thread[] threads = new Thread[sockets.length];
            for (int i = 0; i < sockets.length; i++) {
                Socket sk = sockets[i];
                threads[i] = new Thread(() -> {
                    try {
                        start.await();
                        sk.getOutputStream().write(connect);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                threads[i].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            int open = 0;
            for (Socket sk : sockets) {
                DataInputStream in = new DataInputStream(sk.getInputStream());
                assertThat(readPacket(in)[0]).as("CONNACK").isEqualTo(0x20);
            }
            Thread.sleep(300);
            for (Socket sk : sockets) {
                sk.setSoTimeout(200);
                try {
                    int[] next = readPacket(new DataInputStream(sk.getInputStream()));
                    assertThat(next[0]).as("a DISCONNECT").isEqualTo(0xe0);
                    assertThat(next[2]).as("0x8E session taken over").isEqualTo(0x8e);
                } catch (java.net.SocketTimeoutException stillOpen) {
                    open++;
                } catch (java.io.IOException closed) {
                    // ended
                }
                sk.close();
            }
            assertThat(open).as("connections left with client id %s", id).isEqualTo(1);
        }
    }

    /**
     * Tour V, V14: a device deleted while its CONNECT was being authenticated (the deletion reached this node before
     * the session was bound) kept the persistent session the CONNECT then made, and a device registered later under
     * the id resumed it. A token issued before the deletion now binds a session that ends with its connection.
     */
    @Test
    void aSessionBoundAfterItsDeviceWasDeletedIsNotKept() throws Exception {
        new SessionAccessCleanup(fx.edge).deviceRemoved("t", "v14");
        String before = "v14|t|60|||||-5"; // issued 5 s ago: before the deletion
        try (Socket s = connect5("v14", before, 0x02, EXPIRY_60, 0)) {
            subscribe(s, 1, "d/v14/down/#", 1);
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(readPacket(in)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
            packet(s.getOutputStream(), 0xe0, new byte[] {0, 0});
            assertThat(closed(in)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> session("v14") == null);
        String after = "v14|t|60"; // a device registered under the id again, its token issued now
        try (Socket s = connect5("v14", after, 0x00, EXPIRY_60, 0)) {
            packet(s.getOutputStream(), 0xe0, new byte[] {0, 0});
        }
        Thread.sleep(200);
        assertThat(session("v14")).as("a token issued after the deletion keeps its session").isNotNull();
    }

    /**
     * Tour Q, Q11: MQTT 5 §4.8.2: a shared-subscription member whose session ends with QoS 1 messages it has not
     * acknowledged (one sent, one still queued behind its Receive Maximum of 1) leaves them to the group's other
     * member, as new deliveries (DUP 0), after what that member got meanwhile. Before, both were lost for the group.
     */
    @Test
    void aSharedMembersUnacknowledgedMessagesGoToTheGroupWhenItsSessionEnds() throws Exception {
        try (Socket leaver = connect5("s2a", scoped("s2a"), 0x02, new byte[] {0x21, 0, 1}, 0);
             Socket stayer = connect5("s2b", scoped("s2b"), 0x02, new byte[0], 0);
             Socket pub = connect5("s2p", scoped("s2p"), 0x02, new byte[0], 0)) {
            DataInputStream leaverIn = new DataInputStream(leaver.getInputStream());
            DataInputStream stayerIn = new DataInputStream(stayer.getInputStream());
            sendToGroupOfTwo(leaver, leaverIn, stayer, stayerIn, pub, "x/s2/");
            leaver.close(); // no PUBACK, no DISCONNECT: its clean session ends with the connection
            assertThat(payloads(stayerIn, 2)).as("handed on, DUP 0, in the order the leaver had them")
                    .containsExactly("0x32 m0", "0x32 m2");
        }
    }

    /**
     * Q11 continued: a persistent member that only disconnects keeps what it owes (it may come back, §4.8.2's MAY);
     * once its session expires the messages go to the group.
     */
    @Test
    void aPersistentSharedMemberKeepsItsMessagesUntilItsSessionExpires() throws Exception {
        byte[] expiry1AndOneInFlight = {0x11, 0, 0, 0, 1, 0x21, 0, 1};
        try (Socket leaver = connect5("s3a", scoped("s3a"), 0x02, expiry1AndOneInFlight, 0);
             Socket stayer = connect5("s3b", scoped("s3b"), 0x02, new byte[0], 0);
             Socket pub = connect5("s3p", scoped("s3p"), 0x02, new byte[0], 0)) {
            DataInputStream leaverIn = new DataInputStream(leaver.getInputStream());
            DataInputStream stayerIn = new DataInputStream(stayer.getInputStream());
            sendToGroupOfTwo(leaver, leaverIn, stayer, stayerIn, pub, "x/s3/");
            leaver.close();
            stayer.setSoTimeout(300);
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> readPacket(stayerIn)))
                    .as("nothing while the session waits for its client").isInstanceOf(java.net.SocketTimeoutException.class);
            stayer.setSoTimeout(10_000);
            assertThat(payloads(stayerIn, 2)).as("after the session expired (1 s)").containsExactly("0x32 m0", "0x32 m2");
        }
    }

    /** Q11: a persistent member's session discarded, by a clean start of its client or its service's deletion. */
    @Test
    void aDiscardedPersistentSharedMemberLeavesItsMessagesToTheGroup() throws Exception {
        for (String how : new String[] {"cleanStart", "serviceRemoved"}) {
            String a = "s4a" + how;
            try (Socket leaver = connect5(a, scoped(a), 0x02, new byte[] {0x11, 0, 0, 0, 60, 0x21, 0, 1}, 0);
                 Socket stayer = connect5("s4b" + how, scoped("s4b" + how), 0x02, new byte[0], 0);
                 Socket pub = connect5("s4p" + how, scoped("s4p" + how), 0x02, new byte[0], 0)) {
                DataInputStream leaverIn = new DataInputStream(leaver.getInputStream());
                DataInputStream stayerIn = new DataInputStream(stayer.getInputStream());
                sendToGroupOfTwo(leaver, leaverIn, stayer, stayerIn, pub, "x/s4" + how + "/");
                leaver.close();
                await().atMost(Duration.ofSeconds(5)).until(() -> session(a) != null
                        && fx.edge.sessions.get("t\u0000" + a).owner == null);
                if (how.equals("cleanStart")) {
                    connect5(a, scoped(a), 0x02, new byte[0], 0).close();
                } else {
                    new SessionAccessCleanup(fx.edge).serviceRemoved("t", a);
                }
                assertThat(payloads(stayerIn, 2)).as(how).containsExactly("0x32 m0", "0x32 m2");
            }
        }
    }

    /**
     * Two members of {@code $share/g2/<prefix>#}, {@code leaver} with a Receive Maximum of 1: four QoS 1 messages, round
     * robin; the leaver has m0 in flight and m2 queued, the stayer got m1 and m3. Nothing acknowledged.
     */
    private static void sendToGroupOfTwo(Socket leaver, DataInputStream leaverIn, Socket stayer, DataInputStream stayerIn,
                                         Socket pub, String prefix) throws Exception {
        subscribe(leaver, 1, "$share/g2/" + prefix + "#", 1);
        assertThat(readPacket(leaverIn)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
        subscribe(stayer, 1, "$share/g2/" + prefix + "#", 1);
        assertThat(readPacket(stayerIn)).as("SUBACK").containsExactly(0x90, 4, 0, 1, 0, 1);
        DataInputStream pubIn = new DataInputStream(pub.getInputStream());
        for (int i = 0; i < 4; i++) {
            publish(pub, prefix + i, 0x32, 10 + i, "m" + i);
            assertThat(readPacket(pubIn)).as("PUBACK").containsExactly(0x40, 2, 0, 10 + i);
        }
        assertThat(payloads(leaverIn, 1)).containsExactly("0x32 m0");
        assertThat(payloads(stayerIn, 2)).containsExactly("0x32 m1", "0x32 m3");
    }

    /** The next {@code n} packets as "header payload" (PUBLISHes without properties). */
    private static java.util.List<String> payloads(DataInputStream in, int n) throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = readPacket(in);
            int topicLength = p[2] << 8 | p[3];
            byte[] b = toBytes(p);
            int payloadAt = 4 + topicLength + 2 + 1; // topic, packet id, empty properties
            out.add(String.format("0x%x %s", p[0], new String(b, payloadAt, b.length - payloadAt,
                    java.nio.charset.StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static byte[] toBytes(int[] packet) {
        byte[] b = new byte[packet.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) packet[i];
        }
        return b;
    }
}
