package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeauth.broker.policy.GeoPolicy;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 hole 18, MQTT edge parts: a location coarser than the node's cell is refused, a topic alias above the
 * announced maximum ends the connection with DISCONNECT 0x94, and a sustained over-rate sender is disconnected
 * (0x96) although its plan's refills let a message through now and then.
 */
class EdgeRulesTest {

    @Test
    void aLocationCoarserThanTheNodesCellIsRefused() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0))) {
            fx.edge.geoPolicy(new GeoPolicy("u33d"));
            Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), TestPipeline.token("dev1", "t", 60));
            assertThat(publishAt(dev, "u33dc1")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(publishAt(dev, "u")).as("a whole continent on a u33d node").isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(publishAt(dev, "u33")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            dev.disconnect();
        }
    }

    @Test
    void aTopicAliasAboveTheMaximumEndsTheConnectionWith0x94() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0));
             Socket s = new Socket("127.0.0.1", fx.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] token = TestPipeline.token("dev1", "t", 60).getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream connect = new ByteArrayOutputStream();
            connect.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, (byte) 0xC2, 0, 60, 0});
            string(connect, "dev1".getBytes(StandardCharsets.UTF_8));
            string(connect, "dev1".getBytes(StandardCharsets.UTF_8));
            string(connect, token);
            packet(out, 0x10, connect.toByteArray());
            assertThat(in.readUnsignedByte()).isEqualTo(0x20);
            byte[] connack = new byte[in.readUnsignedByte()];
            in.readFully(connack);
            assertThat(connack[1]).as("CONNACK reason").isZero();
            ByteArrayOutputStream publish = new ByteArrayOutputStream();
            string(publish, "d/dev1/up/t".getBytes(StandardCharsets.UTF_8));
            publish.writeBytes(new byte[] {3, 0x23, 0, 5}); // properties: topic alias 5 (the maximum announced is 0)
            publish.writeBytes("x".getBytes(StandardCharsets.UTF_8));
            packet(out, 0x30, publish.toByteArray());
            assertThat(in.readUnsignedByte()).as("DISCONNECT").isEqualTo(0xE0);
            in.readUnsignedByte();
            assertThat(in.readUnsignedByte()).as("reason: topic alias invalid").isEqualTo(0x94);
        }
    }

    @Test
    void aConnectWithAPasswordAndNoUsernameGetsAConnack() throws Exception {
        // MQTT 3.1.1 forbids it (§3.1.2.9); vertx-mqtt then hands over no credentials: still an answer, not silence
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0));
             Socket s = new Socket("127.0.0.1", fx.port())) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            ByteArrayOutputStream connect = new ByteArrayOutputStream();
            connect.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, (byte) 0x42, 0, 60});
            string(connect, "dev1".getBytes(StandardCharsets.UTF_8));
            string(connect, TestPipeline.token("dev1", "t", 60).getBytes(StandardCharsets.UTF_8));
            packet(s.getOutputStream(), 0x10, connect.toByteArray());
            assertThat(in.readUnsignedByte()).as("CONNACK").isEqualTo(0x20);
            assertThat(in.readUnsignedByte()).isEqualTo(2);
            in.readUnsignedByte();
            assertThat(in.readUnsignedByte()).as("return code: bad user name or password").isEqualTo(4);
        }
    }

    @Test
    void aSustainedOverRateSenderIsDisconnectedDespiteRefills() throws Exception {
        // plan "tight": 2 messages/s, burst 5. 80 messages/s: a refill lets one through every 500 ms, so never
        // 100 refusals in a row; the rule counts refusals in a window instead
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0).withAbuseThreshold(100))) {
            AtomicReference<Throwable> cause = new AtomicReference<>();
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port())
                    .addDisconnectedListener(ctx -> cause.compareAndSet(null, ctx.getCause())).buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes("dev1|t|60||tight")).applySimpleAuth().send();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (cause.get() == null && System.nanoTime() < end) {
                try {
                    dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x")).send();
                } catch (Mqtt5PubAckException refused) {
                    // over the plan
                } catch (RuntimeException disconnected) {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(12)); // pacing the sender, not waiting on the broker
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> cause.get() != null);
            assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                    e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.MESSAGE_RATE_TOO_HIGH));
        }
    }

    @Test
    void aSenderOfRefusedMessagesIsDisconnectedLikeAnOverRateOne() throws Exception {
        // Y9: messages refused by the ACL spend the plan too; once it is spent they are over-rate refusals, and enough
        // of them end the connection (before, they were unlimited and never counted)
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0).withAbuseThreshold(20))) {
            AtomicReference<Throwable> cause = new AtomicReference<>();
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port())
                    .addDisconnectedListener(ctx -> cause.compareAndSet(null, ctx.getCause())).buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes("dev1|t|60||tight")).applySimpleAuth().send();
            for (int i = 0; i < 200 && cause.get() == null; i++) {
                try {
                    dev.publishWith().topic("d/dev2/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x")).send();
                } catch (Mqtt5PubAckException refused) {
                    // another device's topic; later also over the plan
                } catch (RuntimeException disconnected) {
                    break;
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> cause.get() != null);
            assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                    e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.MESSAGE_RATE_TOO_HIGH));
        }
    }

    private static Mqtt5PubAckReasonCode publishAt(Mqtt5BlockingClient dev, String geo) {
        try {
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("x")).userProperties().add("geo", geo).applyUserProperties().send())
                    .getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    private static void string(ByteArrayOutputStream out, byte[] value) {
        out.write(value.length >> 8);
        out.write(value.length & 0xff);
        out.writeBytes(value);
    }

    private static void packet(OutputStream out, int header, byte[] body) throws java.io.IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(header);
        int n = body.length;
        do {
            int digit = n % 128;
            n /= 128;
            p.write(n > 0 ? digit | 0x80 : digit);
        } while (n > 0);
        p.writeBytes(body);
        out.write(p.toByteArray());
        out.flush();
    }
}
