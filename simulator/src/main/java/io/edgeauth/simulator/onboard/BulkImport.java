package io.edgeauth.simulator.onboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeauth.simulator.fleet.FleetIdentities;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * Registers a range of the fleet in one streamed {@code POST /admin/devices:bulk} (NDJSON, one record a line:
 * {@code {id, tenant, jwk}}; docs/onboarding.md "Bulk import") before the run, instead of one admin call per
 * device. Lines are derived as the upload reads them, so the request body is never held whole. Idempotent on the
 * broker's side: a re-run of the same fleet reports its records {@code unchanged}.
 */
public final class BulkImport {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Refusals whose reasons are kept for the report. */
    private static final int KEPT_ERRORS = 5;

    /** What the broker answered: its summary counts and the first refusals' reasons. */
    public record Summary(long created, long updated, long unchanged, long refused, Map<Long, String> firstErrors) {
        public long accepted() {
            return created + updated + unchanged;
        }
    }

    private BulkImport() {
    }

    /** Imports devices {@code [first, first + count)} of {@code fleet} into {@code tenant}; blocks until the answer is read. */
    public static Summary importRange(HttpClient http, URI brokerUrl, String credential, FleetIdentities fleet, long first,
                                      long count, String tenant) throws IOException, InterruptedException {
        String base = brokerUrl.toString().endsWith("/") ? brokerUrl.toString().substring(0, brokerUrl.toString().length() - 1)
                : brokerUrl.toString();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/admin/devices:bulk"))
                .header("Authorization", "Bearer " + credential)
                .header("Content-Type", "application/x-ndjson")
                .timeout(Duration.ofMinutes(30))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> lines(fleet, first, count, tenant)))
                .build();
        HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("bulk import answered HTTP " + response.statusCode());
        }
        Map<Long, String> errors = new LinkedHashMap<>();
        JsonNode summary = null;
        try (Stream<String> body = response.body()) {
            for (String line : (Iterable<String>) body::iterator) {
                JsonNode n = JSON.readTree(line);
                if (n.has("summary")) {
                    summary = n.get("summary");
                } else if ("refused".equals(n.path("result").asText()) && errors.size() < KEPT_ERRORS) {
                    errors.put(n.path("line").asLong(), n.path("error").asText());
                }
            }
        }
        if (summary == null) {
            throw new IOException("bulk import answer ended without its summary");
        }
        return new Summary(summary.path("created").asLong(), summary.path("updated").asLong(),
                summary.path("unchanged").asLong(), summary.path("refused").asLong(), errors);
    }

    /** The NDJSON body, one device a line, derived lazily as it is read. */
    static InputStream lines(FleetIdentities fleet, long first, long count, String tenant) {
        return new SequenceInputStream(new Enumeration<InputStream>() {
            private long next = first;

            @Override
            public boolean hasMoreElements() {
                return next < first + count;
            }

            @Override
            public InputStream nextElement() {
                if (!hasMoreElements()) {
                    throw new NoSuchElementException();
                }
                long i = next++;
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("id", fleet.deviceId(i));
                record.put("tenant", tenant);
                record.put("jwk", fleet.privateKey(i).toPublicJWK().toJSONObject());
                try {
                    return new ByteArrayInputStream((JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
    }
}
