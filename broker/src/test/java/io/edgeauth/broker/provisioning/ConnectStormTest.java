package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thundering herd: a few thousand devices (bulk-imported) start at once against a broker process whose
 * HTTP queue is kept small, so it sheds with 503 + Retry-After; the device SDK backs off with jitter and
 * every device ends with a token and an MQTT session.
 */
class ConnectStormTest {
    static final int DEVICES = 2000;
    @TempDir
    Path dir;

    @Test
    void everyDeviceEndsConnected() throws Exception {
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(dir.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_HTTP_WORKER_THREADS", "4",
                "EDGEAUTH_HTTP_MAX_PENDING_REQUESTS", "32", "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000")),
                List.of("-Xmx512m"), ProcessBuilder.Redirect.DISCARD);
        try {
            List<DeviceIdentity> fleet = new ArrayList<>();
            StringBuilder ndjson = new StringBuilder();
            for (int i = 0; i < DEVICES; i++) {
                DeviceIdentity id = DeviceIdentity.generate("storm-" + i);
                fleet.add(id);
                ndjson.append("{\"id\":\"").append(id.deviceId()).append("\",\"jwk\":").append(id.publicJwk().toJSONString())
                        .append("}\n");
            }
            Http admin = new Http(broker.url(), broker.admin());
            assertThat(admin.postRaw("/admin/devices:bulk", "application/x-ndjson",
                    ndjson.toString().getBytes(StandardCharsets.UTF_8)).body()).contains("\"created\":" + DEVICES);

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
            List<CompletableFuture<Void>> connected = new ArrayList<>();
            for (DeviceIdentity id : fleet) { // all at once: no pacing
                TokenClient tokens = TokenClient.builder().brokerUri(URI.create(broker.url())).identity(id)
                        .httpClient(http).requestTimeout(Duration.ofSeconds(60)).busyRetries(30).build();
                connected.add(tokens.fetch().thenCompose(token -> {
                    Mqtt5AsyncClient mqtt = MqttClient.builder().useMqttVersion5().identifier(id.deviceId())
                            .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildAsync();
                    return mqtt.connectWith().simpleAuth().username(id.deviceId())
                            .password(token.value().getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send()
                            .thenCompose(ack -> mqtt.disconnect());
                }));
            }
            CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            assertThat(connected).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());

            String metrics = new Http(broker.url(), null).get("/metrics").body();
            assertThat(shed(metrics)).as("the broker shed load (503 + Retry-After) and still served everyone")
                    .isGreaterThan(0);
        } finally {
            broker.close();
        }
    }

    private static double shed(String metrics) {
        Matcher m = Pattern.compile("(?m)^edgeauth_http_shed_total\\S*\\s+(\\S+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
