package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A thundering herd of devices against a broker process: bulk-imported, tokens fetched and connects started at once. */
public final class Herd {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    private Herd() {
    }

    /** {@code count} new device identities, bulk-imported with their keys. */
    public static List<DeviceIdentity> importFleet(BrokerProcess broker, String prefix, int count) throws Exception {
        List<DeviceIdentity> fleet = new ArrayList<>();
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < count; i++) {
            DeviceIdentity id = DeviceIdentity.generate(prefix + i);
            fleet.add(id);
            ndjson.append("{\"id\":\"").append(id.deviceId()).append("\",\"jwk\":").append(id.publicJwk().toJSONString())
                    .append("}\n");
        }
        // a generous bound of its own: on a loaded machine the import alone can take longer than Http's 10 s
        HttpResponse<String> imported = HTTP.send(HttpRequest.newBuilder(URI.create(broker.url() + "/admin/devices:bulk"))
                .timeout(Duration.ofMinutes(5)).header("authorization", "Bearer " + broker.admin())
                .header("content-type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString(), StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(imported.body()).contains("\"created\":" + count);
        return fleet;
    }

    /** Every device's JWT, all requested at once (no pacing: a shedding broker answers 503 and the SDK retries). */
    public static List<AccessToken> fetchTokens(BrokerProcess broker, List<DeviceIdentity> fleet) throws Exception {
        return fetchTokens(broker, fleet, TokenFormat.JWT);
    }

    /** As above, in {@code format}. */
    public static List<AccessToken> fetchTokens(BrokerProcess broker, List<DeviceIdentity> fleet, TokenFormat format)
            throws Exception {
        List<CompletableFuture<AccessToken>> tokens = new ArrayList<>();
        for (DeviceIdentity id : fleet) {
            tokens.add(TokenClient.builder().brokerUri(URI.create(broker.url())).identity(id).tokenFormat(format)
                    .httpClient(HTTP).requestTimeout(Duration.ofSeconds(60)).busyRetries(30).build().fetch());
        }
        CompletableFuture.allOf(tokens.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        return tokens.stream().map(CompletableFuture::join).toList();
    }

    /**
     * Connects every client, built first and started in one tight loop so the CONNECTs arrive together; waits for
     * all of them and answers the failures (empty when every device connected).
     */
    public static List<Throwable> connectAll(List<DeviceMqttClient> clients) throws Exception {
        List<CompletableFuture<Void>> connected = new ArrayList<>();
        for (DeviceMqttClient mqtt : clients) {
            connected.add(mqtt.connect());
        }
        return awaitAll(connected);
    }

    /** Waits for every attempt (up to 10 minutes each) and answers the failures, empty when all succeeded. */
    public static List<Throwable> awaitAll(List<CompletableFuture<Void>> attempts) throws Exception {
        List<Throwable> failures = new ArrayList<>();
        for (CompletableFuture<Void> f : attempts) {
            try {
                f.get(10, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                failures.add(e.getCause());
            }
        }
        return failures;
    }

    /** The sum of the samples of a Prometheus text whose line starts with {@code prefix} (a regex). */
    public static double metric(String metrics, String prefix) {
        Matcher m = Pattern.compile("(?m)^" + prefix + "\\S*\\s+(\\S+)$").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
