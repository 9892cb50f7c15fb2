package io.edgeauth.broker.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.edgeauth.broker.router.OverflowPolicy;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.TopicRouter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bridge against a real mosquitto started on a free port (skipped when mosquitto is not installed). */
class MqttBridgeTest {
    private Process mosquitto;
    private int port;
    private final TopicRouter router = new TopicRouter(100, null);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private MqttBridge bridge;

    static Optional<Path> find(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        for (String dir : List.of("/usr/sbin", "/usr/local/sbin")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(find("mosquitto").isPresent(),
                "mosquitto not installed: install Debian's mosquitto package to run the bridge test");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        startMosquitto();
    }

    private void startMosquitto() {
        try {
            mosquitto = new ProcessBuilder(find("mosquitto").orElseThrow().toString(), "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            }
        });
    }

    private void stopMosquitto() throws InterruptedException {
        mosquitto.destroy();
        mosquitto.waitFor(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (bridge != null) {
            bridge.stop();
        }
        if (mosquitto != null) {
            stopMosquitto();
        }
    }

    private MqttBridge bridge() {
        return new MqttBridge(new BridgeSettings("127.0.0.1", port, false, "edge1", null, null, "t", "d/+/up/#",
                "edge1/t/", "d/+/down/#", 100, 10, Duration.ofMillis(200), Duration.ofSeconds(1)), router, meters);
    }

    private Mqtt5BlockingClient upstreamClient() {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("cloud").serverHost("127.0.0.1")
                .serverPort(port).buildBlocking();
        c.connect();
        return c;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void forwardsUpWithPrefixAndCommandsDownWithoutCredentials() throws Exception {
        Mqtt5BlockingClient cloud = upstreamClient();
        try (var in = cloud.publishes(MqttGlobalPublishFilter.ALL)) {
            cloud.subscribeWith().topicFilter("edge1/#").qos(MqttQos.AT_LEAST_ONCE).send();
            bridge = bridge();
            bridge.start();
            await().until(bridge::isConnected);
            router.publish("t", "d/dev1/up/temp", bytes("21"), 1, false,
                    List.of(new RoutedMessage.UserProperty("unit", "C"), new RoutedMessage.UserProperty("token", "secret")),
                    "dev1");
            router.publish("other", "d/dev1/up/temp", bytes("other tenant"), 1, false, null, "dev1");
            router.publish("t", "d/dev1/down/cmd", bytes("not uplink"), 1, false, null, "app");
            Mqtt5Publish up = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertThat(up.getTopic().toString()).isEqualTo("edge1/t/d/dev1/up/temp");
            assertThat(new String(up.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("21");
            assertThat(up.getUserProperties().asList()).extracting(p -> p.getName().toString()).containsExactly("unit");

            // a command from upstream reaches local subscribers of the device's downlink
            List<SubscriberQueue.Delivery> local = new CopyOnWriteArrayList<>();
            SubscriberQueue device = new SubscriberQueue("dev1", 10, 0, 10, OverflowPolicy.DROP_OLDEST, null);
            device.attach(local::add, Runnable::run, 10);
            router.subscribe("t", "d/dev1/down/#", 1, device);
            await().untilAsserted(() -> {
                cloud.publishWith().topic("edge1/t/d/dev1/down/cmd").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("reboot")).send();
                assertThat(local).isNotEmpty();
            });
            assertThat(local.get(0).message().topic()).isEqualTo("d/dev1/down/cmd");
            assertThat(local.get(0).message().origin()).isEqualTo(MqttBridge.ORIGIN);
            // only the uplink came up: the tenant's downlink and other tenants stayed local
            Optional<Mqtt5Publish> extra;
            while ((extra = in.receive(300, TimeUnit.MILLISECONDS)).isPresent()) {
                assertThat(extra.get().getTopic().toString()).startsWith("edge1/t/d/dev1/down/"); // our own command echo
            }
        }
        cloud.disconnect();
    }

    @Test
    void buffersWhileUpstreamIsDownAndReconnects() throws Exception {
        bridge = bridge();
        bridge.start();
        await().until(bridge::isConnected);
        stopMosquitto();
        await().until(() -> !bridge.isConnected());
        for (int i = 0; i < 5; i++) {
            router.publish("t", "d/dev1/up/t", bytes("m" + i), 1, false, null, "dev1");
        }
        assertThat(bridge.buffered()).isEqualTo(5);
        for (int i = 0; i < 200; i++) { // the buffer is bounded: oldest dropped
            router.publish("t", "d/dev1/up/t", bytes("x" + i), 1, false, null, "dev1");
        }
        assertThat(bridge.buffered()).isEqualTo(100);
        startMosquitto();
        await().atMost(Duration.ofSeconds(15)).until(bridge::isConnected);
        await().untilAsserted(() -> assertThat(bridge.buffered()).isZero());
        assertThat(meters.find("edgeauth.bridge.forwarded").counter().count()).isEqualTo(100);
        assertThat(meters.find("edgeauth.bridge.drops").counter().count()).isEqualTo(105);
    }
}
