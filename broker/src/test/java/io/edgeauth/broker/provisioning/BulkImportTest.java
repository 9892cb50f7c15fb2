package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /admin/devices:bulk}: good and bad lines side by side, replay, hostile input. */
class BulkImportTest {
    static final String X5T_A = "A".repeat(43);
    static final String X5T_B = "B".repeat(43);
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Http admin;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_TENANTS", "[{\"id\":\"default\"},{\"id\":\"acme\"}]")));
        admin = new Http("http://127.0.0.1:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void badLinesAreRefusedWithTheirReasonAndNeverStopTheGoodOnesAndAReplayChangesNothing() {
        String file = String.join("\n",
                "{\"id\":\"bulk-1\",\"x5tS256\":\"" + X5T_A + "\",\"region\":[\"u33d\"]}",
                "",
                "{\"id\":\"bulk-2\",\"x5tS256\":\"short\"}",
                "not json at all",
                "[1,2,3]",
                "{\"id\":\"bulk-3\",\"tenant\":\"nosuch\",\"x5tS256\":\"" + X5T_A + "\"}",
                "{\"id\":\"../etc\",\"x5tS256\":\"" + X5T_A + "\"}",
                "{\"id\":\"bulk-4\",\"x5tS256\":\"" + X5T_B + "\",\"ethAddress\":\"0x0000000000000000000000000000000000000001\"}",
                "{\"id\":\"bulk-5\",\"x5tS256\":\"" + X5T_A + "\"," + "\"pad\":\"" + "x".repeat(20_000) + "\"}",
                "{\"id\":\"bulk-6\",\"x5tS256\":\"" + X5T_B + "\"}\r",
                "{\"id\":\"bulk-1\",\"x5tS256\":\"" + X5T_A + "\",\"region\":[\"u33d\"]}",
                "{\"id\":\"bulk-7\",\"x5tS256\":\"" + X5T_A + "\"}") ; // no final newline

        List<JsonObject> first = importNdjson(file);
        assertThat(results(first)).containsExactly(
                "1 bulk-1 created", "3 bulk-2 refused", "4 null refused", "5 null refused", "6 bulk-3 refused",
                "7 ../etc refused", "8 bulk-4 refused", "9 null refused", "10 bulk-6 created", "11 bulk-1 unchanged",
                "12 bulk-7 created");
        assertThat(first.get(1).getString("error")).contains("x5tS256");
        assertThat(first.get(2).getString("error")).isEqualTo("not a JSON object");
        assertThat(first.get(4).getString("error")).contains("unknown tenant");
        assertThat(first.get(5).getString("error")).contains("id:");
        assertThat(first.get(6).getString("error")).contains("exactly one of jwk, x5tS256, ethAddress or enrollmentGroup");
        assertThat(first.get(7).getString("error")).isEqualTo("line too long");
        assertThat(summary(file)).isNotNull();
        assertThat(broker.registry().find("bulk-1")).get().extracting(d -> d.region()).isEqualTo(List.of("u33d"));

        List<JsonObject> replay = importNdjson(file);
        assertThat(results(replay)).containsExactly(
                "1 bulk-1 unchanged", "3 bulk-2 refused", "4 null refused", "5 null refused", "6 bulk-3 refused",
                "7 ../etc refused", "8 bulk-4 refused", "9 null refused", "10 bulk-6 unchanged", "11 bulk-1 unchanged",
                "12 bulk-7 unchanged");

        List<JsonObject> changed = importNdjson("{\"id\":\"bulk-7\",\"x5tS256\":\"" + X5T_B + "\"}\n");
        assertThat(results(changed)).containsExactly("1 bulk-7 updated");
        assertThat(broker.registry().find("bulk-7")).get().extracting(d -> d.credential().value()).isEqualTo(X5T_B);
    }

    /** A misspelt field is refused, not dropped: "regoin" would otherwise register a device with no region limit. */
    @Test
    void aMisspeltFieldIsRefusedHereAndThroughTheAdminApiAndAReadRecordGoesBackAsItIs() {
        List<JsonObject> r = importNdjson("{\"id\":\"typo-1\",\"x5tS256\":\"" + X5T_A + "\",\"regoin\":[\"u33d\"]}\n");
        assertThat(results(r)).containsExactly("1 typo-1 refused");
        assertThat(r.get(0).getString("error")).contains("unknown field 'regoin'");
        assertThat(broker.registry().find("typo-1")).isEmpty();

        HttpResponse<String> form = admin.postRaw("/admin/devices", "application/x-www-form-urlencoded",
                ("{\"id\":\"typo-0\",\"x5tS256\":\"" + X5T_A + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(form.statusCode()).as("curl -d without a JSON content type: " + form.body()).isEqualTo(415);
        assertThat(form.body()).contains("expected content-type application/json");
        assertThat(admin.postRaw("/admin/devices", "application/json; charset=utf-8",
                ("{\"id\":\"typo-0\",\"x5tS256\":\"" + X5T_A + "\"}").getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(201);
        HttpResponse<String> api = admin.postJson("/admin/devices",
                "{\"id\":\"typo-2\",\"x5tS256\":\"" + X5T_A + "\",\"regoin\":[\"u33d\"],\"rateplan\":\"x\"}");
        assertThat(api.statusCode()).isEqualTo(400);
        assertThat(api.body()).contains("unknown field 'rateplan'").contains("unknown field 'regoin'");
        assertThat(broker.registry().find("typo-2")).isEmpty();

        assertThat(admin.postJson("/admin/devices", "{\"id\":\"typo-3\",\"x5tS256\":\"" + X5T_A
                + "\",\"region\":[\"u33d\"]}").statusCode()).isEqualTo(201);
        String read = admin.get("/admin/devices/typo-3").body();
        assertThat(read).contains("createdAt");
        HttpResponse<String> back = admin.postJsonPut("/admin/devices/typo-3", read);
        assertThat(back.statusCode()).as("GET then PUT: " + back.body()).isEqualTo(200);
    }

    /** A key named twice in a record: refused with its reason (it created the last id named before). */
    @Test
    void aLineNamingAKeyTwiceIsRefusedAndTheOthersGoOn() {
        List<JsonObject> r = importNdjson("{\"id\":\"dupkey\",\"id\":\"other\",\"x5tS256\":\"" + X5T_A + "\"}\n"
                + "{\"id\":\"dupkey-2\",\"x5tS256\":\"" + X5T_A + "\"}\n");
        assertThat(results(r)).containsExactly("1 null refused", "2 dupkey-2 created");
        assertThat(r.get(0).getString("error")).isEqualTo("duplicate key 'id'");
        assertThat(broker.registry().find("other")).isEmpty();
        assertThat(broker.registry().find("dupkey")).isEmpty();
    }

    /**
     * Tour AD, AD1: a line that is not UTF-8 is refused, as {@code POST /admin/devices} refuses such a body (400 "not
     * valid JSON"); it was decoded with U+FFFD in place of each bad byte and stored so: a JWK's {@code kid} the file
     * did not hold.
     */
    @Test
    void aLineThatIsNotUtf8IsRefusedNotStoredWithReplacementCharacters() {
        byte[] bad = ("{\"id\":\"utf8-1\",\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
                + "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"k\u00ff\"}}\n")
                .getBytes(StandardCharsets.ISO_8859_1); // the kid's last byte 0xFF, never valid in UTF-8
        byte[] good = ("{\"id\":\"utf8-2\",\"x5tS256\":\"" + X5T_A + "\"}\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = java.util.Arrays.copyOf(bad, bad.length + good.length);
        System.arraycopy(good, 0, body, bad.length, good.length);
        HttpResponse<String> r = admin.postRaw("/admin/devices:bulk", "application/x-ndjson", body);
        List<JsonObject> lines = Arrays.stream(r.body().split("\n")).map(JsonObject::new)
                .filter(o -> !o.containsKey("summary")).toList();
        assertThat(results(lines)).containsExactly("1 null refused", "2 utf8-2 created");
        assertThat(lines.get(0).getString("error")).startsWith("not UTF-8");
        assertThat(broker.registry().find("utf8-1")).isEmpty();
    }

    /**
     * Tour AD, AD7: the docs say a replay of the file changes nothing, and tell the operator to replay it to finish an
     * interrupted import; but a line without {@code owner} cleared the owner a wallet had claimed since (the onboarding
     * file has none): "updated", and every claim made since the first import was undone. A line without the field keeps
     * the registered owner; {@code "owner": null} clears it, a DID sets it.
     */
    @Test
    void aReplayKeepsTheOwnerAWalletClaimedSince() {
        String did = "did:pkh:eip155:1:0x52908400098527886E0F7030069857D2E4169EE7";
        String line = "{\"id\":\"own-1\",\"x5tS256\":\"" + X5T_A + "\"}";
        assertThat(results(importNdjson(line + "\n"))).containsExactly("1 own-1 created");
        broker.registry().register(broker.registry().find("own-1").orElseThrow().withOwner(did)); // as a claim does
        assertThat(results(importNdjson(line + "\n"))).containsExactly("1 own-1 unchanged");
        assertThat(broker.registry().find("own-1").orElseThrow().owner()).isEqualTo(did);

        // a move to another tenant does not take the owner along (a claim code does not survive it either): the
        // wallet claimed the device in its old tenant
        broker.registry().register(broker.registry().find("own-1").orElseThrow().withOwner(did));
        String moved = "{\"id\":\"own-1\",\"tenant\":\"acme\",\"x5tS256\":\"" + X5T_A + "\"}";
        assertThat(results(importNdjson(moved + "\n"))).containsExactly("1 own-1 updated");
        assertThat(broker.registry().find("own-1").orElseThrow().owner()).isNull();
        broker.registry().register(broker.registry().find("own-1").orElseThrow().withOwner(did));

        String cleared = "{\"id\":\"own-1\",\"tenant\":\"acme\",\"x5tS256\":\"" + X5T_A + "\",\"owner\":null}";
        assertThat(results(importNdjson(cleared + "\n"))).containsExactly("1 own-1 updated");
        assertThat(broker.registry().find("own-1").orElseThrow().owner()).isNull();
    }

    @Test
    void aByteOrderMarkIsSkippedAndATrailingCommaExplained() {
        List<JsonObject> r = importNdjson("\uFEFF{\"id\":\"bom-1\",\"x5tS256\":\"" + X5T_A + "\"}\n"
                + "{\"id\":\"bom-2\",\"x5tS256\":\"" + X5T_A + "\"},\n");
        assertThat(results(r)).containsExactly("1 bom-1 created", "2 null refused");
        assertThat(r.get(1).getString("error")).contains("trailing comma");
    }

    @Test
    void endsWithASummaryAndRefusesWithoutTheAdminCredential() {
        HttpResponse<String> r = admin.postRaw("/admin/devices:bulk", "application/x-ndjson",
                ("{\"id\":\"sum-1\",\"x5tS256\":\"" + X5T_A + "\"}\nnope\n").getBytes(StandardCharsets.UTF_8));
        String[] lines = r.body().split("\n");
        assertThat(new JsonObject(lines[lines.length - 1]).getJsonObject("summary").getMap())
                .containsEntry("created", 1).containsEntry("refused", 1);
        Http anonymous = new Http("http://127.0.0.1:" + broker.httpPort(), null);
        assertThat(anonymous.postRaw("/admin/devices:bulk", "application/x-ndjson",
                "{\"id\":\"x\"}\n".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(401);
        assertThat(broker.registry().find("x")).isEmpty();
    }

    /**
     * Audit tour A, A4: Vert.x serves every other route with a trailing slash, but the streaming check compared exact
     * paths, so {@code /admin/devices:bulk/} with a body over 64 KiB got 413 (and 404 with a small one).
     */
    @Test
    void aTrailingSlashIsTheSameImport() {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            file.append("{\"id\":\"slash-").append(i).append("\",\"x5tS256\":\"").append(X5T_A).append("\"}\n");
        }
        assertThat(file.length()).isGreaterThan(64 * 1024);
        HttpResponse<String> r = admin.postRaw("/admin/devices:bulk/", "application/x-ndjson",
                file.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body().substring(0, Math.min(200, r.body().length()))).isEqualTo(200);
        assertThat(broker.registry().find("slash-999")).isPresent();
    }

    /**
     * The body is NDJSON: application/x-ndjson (what the CLI sends), application/ndjson, application/jsonl, or no
     * content type; another declared type is refused 415 and nothing is imported (curl's -d form type, JSON and
     * text/plain were all imported).
     */
    @Test
    void anotherDeclaredContentTypeIsRefusedWith415() {
        for (String type : List.of("application/json", "text/plain", "application/x-www-form-urlencoded",
                "application/json-seq")) {
            HttpResponse<String> r = admin.postRaw("/admin/devices:bulk", type,
                    ("{\"id\":\"ct-" + type.length() + "\",\"x5tS256\":\"" + X5T_A + "\"}\n").getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(415);
            assertThat(new JsonObject(r.body()).getString("error_description")).contains("application/x-ndjson");
            assertThat(broker.registry().find("ct-" + type.length())).isEmpty();
        }
        int n = 0;
        for (String type : java.util.Arrays.asList("application/x-ndjson; charset=utf-8", "application/ndjson",
                "Application/JSONL", null)) {
            String id = "ct-ok-" + n++;
            HttpResponse<String> r = admin.postRaw("/admin/devices:bulk", type,
                    ("{\"id\":\"" + id + "\",\"x5tS256\":\"" + X5T_A + "\"}\n").getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(200);
            assertThat(broker.registry().find(id)).as(type).isPresent();
        }
    }

    @Test
    void aLargeImportIsStreamedInBatches() {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            file.append("{\"id\":\"many-").append(i).append("\",\"x5tS256\":\"").append(X5T_A).append("\"}\n");
        }
        List<JsonObject> results = importNdjson(file.toString());
        assertThat(results).hasSize(5000).allMatch(o -> o.getString("result").equals("created"));
        assertThat(results.get(4999).getLong("line")).isEqualTo(5000L);
    }

    /**
     * Two imports of the same new ids at once, with different certificates: each id is created by exactly one and
     * updated by the other (before, both answered "created" for some ids, and the audit said so twice).
     */
    @Test
    void twoConcurrentImportsOfTheSameIdsTellCreatedFromUpdatedTruly() throws Exception {
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 3_000; i++) {
            a.append("{\"id\":\"race-").append(i).append("\",\"x5tS256\":\"").append(X5T_A).append("\"}\n");
            b.append("{\"id\":\"race-").append(i).append("\",\"x5tS256\":\"").append(X5T_B).append("\"}\n");
        }
        java.util.concurrent.CompletableFuture<List<JsonObject>> first =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> importNdjson(a.toString()));
        List<JsonObject> second = importNdjson(b.toString());
        java.util.Map<String, Long> created = java.util.stream.Stream.concat(first.get().stream(), second.stream())
                .filter(o -> "created".equals(o.getString("result")))
                .collect(java.util.stream.Collectors.groupingBy(o -> o.getString("id"), java.util.stream.Collectors.counting()));
        assertThat(created).hasSize(3_000);
        assertThat(created.values()).containsOnly(1L);
    }

    private static List<String> results(List<JsonObject> lines) {
        return lines.stream().map(o -> o.getLong("line") + " " + o.getString("id") + " " + o.getString("result")).toList();
    }

    private static List<JsonObject> importNdjson(String body) {
        HttpResponse<String> r = admin.postRaw("/admin/devices:bulk", "application/x-ndjson",
                body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/x-ndjson");
        return Arrays.stream(r.body().split("\n")).map(JsonObject::new).filter(o -> !o.containsKey("summary")).toList();
    }

    private static JsonObject summary(String body) {
        String[] lines = admin.postRaw("/admin/devices:bulk", "application/x-ndjson",
                body.getBytes(StandardCharsets.UTF_8)).body().split("\n");
        return new JsonObject(lines[lines.length - 1]).getJsonObject("summary");
    }
}
