package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A broker that sheds load answers CONNECT with a retryable CONNACK (MQTT 5 0x89 Server busy, 0x97 Quota
 * exceeded; 3.1.1 return code 3): the client backs off with jitter and connects once the broker accepts; any
 * other refusal (0x88, a store outage, among them) fails at once.
 */
class DeviceMqttClientBusyTest {

    /** Answers the first {@code refusals} CONNECTs with {@code code} (then closes), every later one with success. */
    static final class SheddingServer implements AutoCloseable {
        final AtomicInteger connects = new AtomicInteger();
        private final ServerSocket server;
        private final int refusals;
        private final int code;
        private final boolean v5;

        SheddingServer(int refusals, int code, boolean v5) throws IOException {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.refusals = refusals;
            this.code = code;
            this.v5 = v5;
            Thread t = new Thread(this::serve, "shedding-mqtt");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    skipPacket(in); // CONNECT
                    boolean refuse = connects.incrementAndGet() <= refusals;
                    int rc = refuse ? code : 0;
                    s.getOutputStream().write(v5 ? new byte[] {0x20, 3, 0, (byte) rc, 0} : new byte[] {0x20, 2, 0, (byte) rc});
                    s.getOutputStream().flush();
                    if (!refuse) {
                        while (in.read() >= 0) { // until the client disconnects
                        }
                    }
                } catch (IOException e) {
                    // the connection ended or the server closed
                }
            }
        }

        /** Reads one MQTT packet (fixed header, remaining length, body) and drops it. */
        static void skipPacket(DataInputStream in) throws IOException {
            in.readUnsignedByte();
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = in.readUnsignedByte();
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0 && shift < 28);
            in.readNBytes(length);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static AccessToken token() {
        return new AccessToken("eyJhbGciOiJub25lIn0.e30.", TokenFormat.JWT, "Bearer", null, Instant.now(),
                Instant.now().plusSeconds(600));
    }

    private static DeviceMqttClient client(int port, DeviceMqttClient.MqttVersion version, int busyRetries) {
        return DeviceMqttClient.builder().deviceId("storm-1").serverHost("127.0.0.1").serverPort(port)
                .mqttVersion(version).enhancedAuth(false).token(token()).busyRetries(busyRetries).build();
    }

    @ParameterizedTest(name = "MQTT 5 CONNACK {0}")
    @CsvSource({"0x89", "0x97"})
    void aRetryableConnackIsRetriedUntilTheBrokerAccepts(String code) throws Exception {
        try (SheddingServer broker = new SheddingServer(2, Integer.decode(code), true)) {
            DeviceMqttClient mqtt = client(broker.port(), DeviceMqttClient.MqttVersion.MQTT_5, 8);
            mqtt.toBlocking().connect();
            assertThat(mqtt.isConnected()).isTrue();
            assertThat(broker.connects.get()).isEqualTo(3);
            mqtt.toBlocking().disconnect();
        }
    }

    @Test
    void mqtt311ServerUnavailableIsRetried() throws Exception {
        try (SheddingServer broker = new SheddingServer(1, 3, false)) {
            DeviceMqttClient mqtt = client(broker.port(), DeviceMqttClient.MqttVersion.MQTT_3_1_1, 8);
            mqtt.toBlocking().connect();
            assertThat(broker.connects.get()).isEqualTo(2);
            mqtt.toBlocking().disconnect();
        }
    }

    @ParameterizedTest(name = "MQTT 5 CONNACK {0}: {1}, not retried")
    @CsvSource({"0x87, NOT_AUTHORIZED", "0x88, SERVER_UNAVAILABLE", "0x86, BAD_USER_NAME_OR_PASSWORD"})
    void otherRefusalsAreNotRetried(String code, String name) throws Exception {
        try (SheddingServer broker = new SheddingServer(5, Integer.decode(code), true)) {
            DeviceMqttClient mqtt = client(broker.port(), DeviceMqttClient.MqttVersion.MQTT_5, 8);
            Throwable t = catchThrowable(() -> mqtt.toBlocking().connect());
            assertThat(DeviceMqttClient.failureReason(t)).isEqualTo("connack:" + name);
            assertThat(broker.connects.get()).isEqualTo(1);
        }
    }

    @Test
    void retriesRunOutWithTheLastBusyRefusal() throws Exception {
        try (SheddingServer broker = new SheddingServer(100, 0x89, true)) {
            DeviceMqttClient mqtt = client(broker.port(), DeviceMqttClient.MqttVersion.MQTT_5, 1);
            Throwable t = catchThrowable(() -> mqtt.toBlocking().connect());
            assertThat(DeviceMqttClient.failureReason(t)).isEqualTo("connack:SERVER_BUSY");
            assertThat(broker.connects.get()).isEqualTo(2);
        }
    }

    @Test
    void aShortHintRepeatedGrowsTheBackoffAsWithoutOne() {
        // a herd larger than the broker takes at once hears "1 s" again and again: each device asks less often
        for (int i = 0; i < 200; i++) {
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(1, 1)).isBetween(500L, 1500L);
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(1, 3)).isBetween(2_000L, 6_000L);
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(1, 5)).isBetween(8_000L, 24_000L);
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(1, 30)).isBetween(15_000L, 45_000L);
        }
    }

    @Test
    void backoffIsJitteredAroundTheHintOrExponentialWithout() {
        for (int i = 0; i < 200; i++) {
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(1, 0)).isBetween(500L, 1500L);
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(60, 1)).isBetween(30_000L, 90_000L);
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(0, 1)).isBetween(500L, 1500L);
            assertThat(io.edgeauth.device.internal.BusyRetry.backoffMillis(0, 20)).isBetween(15_000L, 45_000L);
        }
    }
}
