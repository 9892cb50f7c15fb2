package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * HTTP queue is kept small, so it sheds with 503 + Retry-After, and whose admission control lets 2 MQTT
 * authentications run at once, so it sheds CONNECTs with 0x89 Server busy; the device SDK backs off with jitter
 * and every device ends with a token and a live MQTT session.
 */
class ConnectStormTest {
    static final int DEVICES = 2000;
    @TempDir
    Path dir;

    @Test
    void everyDeviceEndsConnected() throws Exception {
        // One HTTP worker and room for 2 requests: the storm's arrival rate is the test thread's signing rate,
        // and a fast machine with 4 workers and 32 places kept up with it and never shed (a CI run saw 0 sheds).
        // One worker verifies, signs and commits each request on one core, slower than the client signs one
        // assertion, so the queue fills on any machine.
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(dir.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_HTTP_WORKER_THREADS", "1",
                "EDGEAUTH_HTTP_MAX_PENDING_REQUESTS", "2", "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000",
                "EDGEAUTH_ADMISSION_MAX_IN_FLIGHT_AUTHENTICATIONS", "2")),
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
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
            // a generous bound of its own: on a loaded machine the import alone can take longer than Http's 10 s
            HttpResponse<String> imported = http.send(HttpRequest.newBuilder(URI.create(broker.url() + "/admin/devices:bulk"))
                    .timeout(Duration.ofMinutes(5)).header("authorization", "Bearer " + broker.admin())
                    .header("content-type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString(), StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(imported.body()).contains("\"created\":" + DEVICES);
            List<CompletableFuture<AccessToken>> tokens = new ArrayList<>();
            for (DeviceIdentity id : fleet) { // all at once: no pacing
                tokens.add(TokenClient.builder().brokerUri(URI.create(broker.url())).identity(id)
                        .httpClient(http).requestTimeout(Duration.ofSeconds(60)).busyRetries(30).build().fetch());
            }
            CompletableFuture.allOf(tokens.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);

            // then every device connects at once: the broker admits 2 authentications at a time, sheds the
            // rest with CONNACK 0x89 and the SDK comes back after a jittered backoff
            List<DeviceMqttClient> clients = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                clients.add(DeviceMqttClient.builder().identity(fleet.get(i)).serverHost("127.0.0.1")
                        .serverPort(broker.mqttPort()).token(tokens.get(i).join()).busyRetries(30).build());
            }
            // built first, started in one tight loop: the CONNECTs arrive together however fast the machine is
            List<CompletableFuture<Void>> connected = new ArrayList<>();
            for (DeviceMqttClient mqtt : clients) {
                connected.add(mqtt.connect());
            }
            CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            assertThat(connected).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());

            String metrics = new Http(broker.url(), null).get("/metrics").body();
            assertThat(metric(metrics, "edgeauth_http_shed_total")).as("the broker shed load (503 + Retry-After) and still served everyone")
                    .isGreaterThan(0);
            assertThat(metric(metrics, "edgeauth_admission_shed_total\\{edge=\"mqtt\"")).as("CONNECTs shed with 0x89")
                    .isGreaterThan(0);
            assertThat(metric(metrics, "edgeauth_mqtt_sessions\\{")).as("every device holds a session now")
                    .isEqualTo(DEVICES);
            CompletableFuture.allOf(clients.stream().map(DeviceMqttClient::disconnect).toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.MINUTES);
        } finally {
            broker.close();
        }
    }

    /** The sum of the samples whose line starts with {@code prefix} (a regex). */
    private static double metric(String metrics, String prefix) {
        Matcher m = Pattern.compile("(?m)^" + prefix + "\\S*\\s+(\\S+)$").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
