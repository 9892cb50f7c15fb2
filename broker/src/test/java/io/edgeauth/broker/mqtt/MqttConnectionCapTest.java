package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.RawMqtt.closed;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code mqtt.maxConnections}: connections past the node's bound are closed as they are accepted, authenticated
 * sessions and connections still before their CONNECT counted alike; a place frees when a connection closes. Before,
 * nothing bounded MQTT connections but the process's open-file limit.
 */
class MqttConnectionCapTest {
    private static EdgeFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withLimits(MqttSettings.Limits.builder().maxConnections(3).build()));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    @Test
    void aConnectionPastTheBoundIsClosedOnAcceptAndAClosedOneFreesItsPlace() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            held.add(RawMqtt.connected(fx.port(), 5, "cap-1"));
            held.add(RawMqtt.socket(fx.port())); // no CONNECT yet: counts too
            held.add(RawMqtt.connected(fx.port(), 4, "cap-2"));
            awaitOpen(3);
            try (Socket fourth = RawMqtt.socket(fx.port())) {
                assertThat(closed(new DataInputStream(fourth.getInputStream()))).as("the fourth is closed by the node")
                        .isTrue();
            }
            assertThat(fx.meters.find("edgeauth.mqtt.connections.refused").functionCounter().count()).isEqualTo(1.0);
        } finally {
            held.forEach(MqttConnectionCapTest::close);
        }
        awaitOpen(0);
        List<Socket> again = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                again.add(RawMqtt.connected(fx.port(), 5, "cap-again-" + i));
            }
        } finally {
            again.forEach(MqttConnectionCapTest::close);
        }
    }

    /** Tour O, F13: the cap refused connections with no log line; now a WARN, one a minute at most, with the peer. */
    @Test
    void connectionsPastTheBoundAreLoggedOnceAMinute() throws Exception {
        try (EdgeFixture one = new EdgeFixture(MqttSettings.plain(0)
                     .withLimits(MqttSettings.Limits.builder().maxConnections(1).build()));
             io.edgeauth.broker.testsupport.LogCapture log = io.edgeauth.broker.testsupport.LogCapture.root();
             Socket held = RawMqtt.connected(one.port(), 5, "cap-only")) {
            for (int i = 0; i < 3; i++) {
                try (Socket past = RawMqtt.socket(one.port())) {
                    assertThat(closed(new DataInputStream(past.getInputStream()))).isTrue();
                }
            }
            assertThat(log.withoutAudit()).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN
                    && e.getFormattedMessage().contains("mqtt.maxConnections")).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("1 open").contains("127.0.0.1"));
        }
    }

    private static void awaitOpen(int n) {
        Awaitility.await().atMost(5, TimeUnit.SECONDS).until(
                () -> fx.meters.find("edgeauth.mqtt.connections").gauge().value() == n);
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (java.io.IOException ignored) {
            // closing a test socket
        }
    }
}
