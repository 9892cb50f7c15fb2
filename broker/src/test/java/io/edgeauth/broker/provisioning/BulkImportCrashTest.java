package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit under kill -9: a broker process importing a large file is killed with SIGKILL once a few
 * thousand lines are acknowledged; after a restart every acknowledged record is there, unchanged.
 */
class BulkImportCrashTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedLineSurvivesKill9MidImport() throws Exception {
        Path dataDir = dir.resolve("data");
        Path file = dir.resolve("fleet.ndjson");
        int records = 200_000;
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < records; i++) {
                w.write(record(i));
                w.newLine();
            }
        }
        BrokerProcess first = start(dataDir);
        String credential = first.admin();
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean killed = new AtomicBoolean();
        try (BulkImportClient client = new BulkImportClient()) {
            client.importFile(URI.create(first.url()), credential, file, line -> {
                JsonObject o = new JsonObject(line);
                assertThat(o.getString("result")).isEqualTo("created");
                acknowledged.add(o.getInteger("line"));
                if (acknowledged.size() >= 3000 && killed.compareAndSet(false, true)) {
                    first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no store close
                }
            });
        } catch (Exception expected) {
            // the connection ends with the process
        }
        assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(killed).as("the broker was killed mid-import").isTrue();
        assertThat(acknowledged.size()).as("killed before the end").isLessThan(records);

        Path acked = dir.resolve("acked.ndjson");
        Files.write(acked, acknowledged.stream().sorted().map(n -> record(n - 1)).toList());
        BrokerProcess second = start(dataDir);
        try (BulkImportClient client = new BulkImportClient()) {
            Map<String, Integer> replay = new ConcurrentHashMap<>();
            BulkImportClient.Summary s = client.importFile(URI.create(second.url()), credential, acked,
                    line -> replay.merge(new JsonObject(line).getString("result"), 1, Integer::sum));
            assertThat(s.status()).isEqualTo(200);
            assertThat(replay).as("every acknowledged record is present as it was imported")
                    .isEqualTo(Map.of("unchanged", acknowledged.size()));
            JsonObject health = new JsonObject(new Http(second.url(), null).get("/health").body());
            assertThat(health.getInteger("devices")).isGreaterThanOrEqualTo(acknowledged.size());
        } finally {
            second.close();
        }
    }

    private static String record(int i) {
        String id = String.format("crash-%07d", i);
        String x5t = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(id));
        return "{\"id\":\"" + id + "\",\"x5tS256\":\"" + x5t + "\"}";
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BrokerProcess start(Path dataDir) throws Exception {
        return BrokerProcess.start(TestBrokers.env(dataDir, Map.of("EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_HTTP_HOST", "127.0.0.1")), List.of(), ProcessBuilder.Redirect.DISCARD);
    }
}
