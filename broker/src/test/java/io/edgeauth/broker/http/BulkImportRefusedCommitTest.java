package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.provisioning.BulkImporter;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.FullDiskFilePath;
import io.edgeauth.broker.store.MvStoreStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bulk import whose commit the store refuses ends with an answer, never a reset connection (tour O, F6: the client
 * saw no response at all): 503 when no result went out yet, else a last line naming the first line without a result.
 * A line whose write the store refused has no {@code device.registered} event.
 */
class BulkImportRefusedCommitTest {
    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private MvStoreStore store;
    private int port;
    private int firstUnanswered;
    private String bearer;
    private DeviceRegistry registry;
    private final List<Object> registeredEvents = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        BrokerConfig config = new ConfigLoader().load(null, Map.of());
        Clock clock = Clock.systemUTC();
        store = FullDiskFilePath.store(dir.resolve("state.mv.db"), clock);
        AdminCredential credential = AdminCredential.loadOrCreate(dir);
        bearer = credential.createdNow().orElseThrow();
        HttpApi api = new HttpApi(vertx);
        HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 2, 100, 1)).await(10, TimeUnit.SECONDS);
        registry = new DeviceRegistry(store);
        DeviceValidator validator = new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), clock);
        api.metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .admin(credential, registry, validator,
                        new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30)), null, null,
                        AuditLog.NOOP)
                .bulkImport(new BulkImporter(validator, registry, (event, outcome, fields) -> {
                    if ("device.registered".equals(event)) {
                        registeredEvents.add(fields.get("device"));
                    }
                }))
                .install();
        port = server.actualPort();
    }

    @AfterEach
    void stop() {
        FullDiskFilePath.full = false;
        store.close();
        vertx.close().await();
    }

    private static String lines(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append("{\"id\":\"bulk-").append(i).append("\",\"x5tS256\":\"").append(String.format("%043d", i))
                    .append("\"}\n");
        }
        return b.toString();
    }

    private static void chunk(OutputStream out, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < bytes.length; i += 4096) { // in pieces, as a real upload's reads split it
            out.write(bytes, i, Math.min(4096, bytes.length - i));
            out.flush();
        }
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads until {@code marker} shows (or the connection ends); what was read. */
    private static String readUntil(InputStream in, ByteArrayOutputStream seen, String marker) throws Exception {
        byte[] buf = new byte[8192];
        while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            seen.write(buf, 0, n);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    /** Reads an import's answer: up to its summary, or up to the end of its temporarily_unavailable error. */
    private static String readAnswer(InputStream in) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (true) {
            String text = seen.toString(StandardCharsets.UTF_8);
            int error = text.lastIndexOf("temporarily_unavailable");
            if (text.contains("}}") || error >= 0 && text.indexOf('}', error) >= 0) {
                return text;
            }
            int n = in.read(buf);
            if (n < 0) {
                return text;
            }
            seen.write(buf, 0, n);
        }
    }

    private Socket open(OutputStream[] out) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        s.setTcpNoDelay(true);
        out[0] = s.getOutputStream();
        out[0].write(("POST /admin/devices:bulk HTTP/1.1\r\nHost: x\r\nauthorization: Bearer " + bearer
                + "\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    @Test
    void aCommitRefusedBeforeAnyResultIsAnswered503() throws Exception {
        FullDiskFilePath.full = true;
        OutputStream[] out = new OutputStream[1];
        try (Socket s = open(out)) {
            chunk(out[0], lines(1, 10));
            chunk(out[0], "");
            String answer = readUntil(s.getInputStream(), new ByteArrayOutputStream(), "temporarily_unavailable");
            assertThat(answer).startsWith("HTTP/1.1 503").containsIgnoringCase("retry-after:")
                    .contains("temporarily_unavailable");
        }
        // the audit names only changes the store kept (docs/audit.md): a refused write has no device.registered
        assertThat(registeredEvents).as("device.registered of records the store refused").isEmpty();
    }

    @Test
    void aCommitRefusedAfterResultsEndsTheStreamWithTheFirstLineWithoutAResult() throws Exception {
        OutputStream[] out = new OutputStream[1];
        try (Socket s = open(out)) {
            // a batch is submitted once it holds 1,024 lines: however the upload's reads split the 1,100 lines, the
            // first batch holds lines 1 to 1,024 at least, and its results go out once it is committed
            chunk(out[0], lines(1, 1100));
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            readUntil(s.getInputStream(), seen, "\"line\":1024,");
            FullDiskFilePath.full = true;
            chunk(out[0], lines(1101, 1150));
            chunk(out[0], "");
            readUntil(s.getInputStream(), seen, "temporarily_unavailable\"");
            String answer = readUntil(s.getInputStream(), seen, "}\n");
            assertThat(answer).startsWith("HTTP/1.1 200").contains("\"error\":\"temporarily_unavailable\"")
                    .doesNotContain("\"summary\"");
            java.util.regex.Matcher at = java.util.regex.Pattern.compile("\"error\":\"temporarily_unavailable\".*\"line\":(\\d+)")
                    .matcher(answer);
            assertThat(at.find()).as(answer).isTrue();
            firstUnanswered = Integer.parseInt(at.group(1));
            assertThat(firstUnanswered).isBetween(1025, 1101);
            for (int line = 1; line < firstUnanswered; line++) {
                assertThat(answer).contains("{\"line\":" + line + ",");
            }
            assertThat(answer).doesNotContain("{\"line\":" + firstUnanswered + ",");
        }
        assertThat(registeredEvents).as("one device.registered per line stored, none for the refused ones")
                .hasSize(firstUnanswered - 1).doesNotHaveDuplicates();
        FullDiskFilePath.full = false;
        // the replay the answer asks for stores what was refused, and finds stored every line answered before. The first
        // attempts may meet the store still closed (it reopens at most once a second after a write failure) and be
        // answered temporarily_unavailable; one that meets the reopen midway stores part of what it sent, so the counts
        // of the attempt after it differ: the check is line by line, on the first attempt answered whole
        List<String> attempts = new CopyOnWriteArrayList<>();
        String[] whole = new String[1];
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                OutputStream[] again = new OutputStream[1];
                try (Socket s = open(again)) {
                    chunk(again[0], lines(1, 1150));
                    chunk(again[0], "");
                    String answer = readAnswer(s.getInputStream());
                    attempts.add(answer.length() > 300 ? answer.substring(answer.length() - 300) : answer);
                    whole[0] = answer;
                    return answer.contains("\"summary\"");
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no replay was answered whole in 30 s; the end of each attempt's answer: " + attempts, e);
        }
        for (int line = 1; line < firstUnanswered; line++) {
            assertThat(whole[0]).contains("{\"line\":" + line + ",\"id\":\"bulk-" + line + "\",\"result\":\"unchanged\"}");
        }
        assertThat(whole[0]).doesNotContain("\"result\":\"refused\"").doesNotContain("\"result\":\"updated\"");
        for (int line = 1; line <= 1150; line++) {
            assertThat(registry.find("bulk-" + line)).as("bulk-" + line + " stored").isPresent();
            assertThat(store.get("devices", "bulk-" + line)).as("bulk-" + line + " in the store").isPresent();
        }
    }
}
