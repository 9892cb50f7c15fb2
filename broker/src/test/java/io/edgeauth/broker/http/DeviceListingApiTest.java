package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /admin/devices} lists the registry a page at a time in id order (tour Z, Z1: it answered 405, and an
 * operator of 200,000 devices could not list them at all): a walk gives every record once, also while devices are
 * registered, replaced and deleted beside it; the filters and every bad parameter are checked.
 */
@InProcessBrokerTest.Config("EDGEAUTH_TENANTS=[{\"id\":\"default\"},{\"id\":\"acme\"}]")
class DeviceListingApiTest extends InProcessBrokerTest {
    private static final String OWNER = "did:pkh:eip155:1:0x52908400098527886E0F7030069857D2E4169EE7";

    private static String thumbprint(String id) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject record(String id, String tenant) {
        return new JsonObject().put("id", id).put("tenant", tenant).put("x5tS256", thumbprint(id));
    }

    private static void importAll(List<JsonObject> records) {
        StringBuilder ndjson = new StringBuilder();
        records.forEach(r -> ndjson.append(r.encode()).append('\n'));
        HttpResponse<String> r = admin.postRaw("/admin/devices:bulk", "application/x-ndjson",
                ndjson.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("\"result\":\"refused\"").contains("\"refused\":0}");
    }

    private static Device device(String id, String tenant, String ratePlan) {
        return new Device(id, tenant, new Device.Credential(Device.CredentialType.X5T_S256, thumbprint(id)), List.of(),
                ratePlan, null, Instant.now());
    }

    private static JsonObject page(String query) {
        HttpResponse<String> r = admin.get("/admin/devices" + query);
        assertThat(r.statusCode()).as(query + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return new JsonObject(r.body());
    }

    /** Every page of a walk, from the first (query holds the filters and limit) to the one whose next is null. */
    private static List<JsonObject> walk(String query, int limit) {
        List<JsonObject> seen = new ArrayList<>();
        String after = null;
        do {
            JsonObject page = page("?limit=" + limit + query + (after == null ? ""
                    : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8)));
            assertThat(page.fieldNames()).containsExactlyInAnyOrder("devices", "next");
            JsonArray devices = page.getJsonArray("devices");
            assertThat(devices.size()).isLessThanOrEqualTo(limit);
            devices.forEach(d -> seen.add((JsonObject) d));
            after = page.getString("next");
            if (after != null) {
                assertThat(devices.size()).as("a page followed by another is full").isEqualTo(limit);
                assertThat(after).isEqualTo(devices.getJsonObject(devices.size() - 1).getString("id"));
            }
        } while (after != null);
        return seen;
    }

    private static List<String> ids(List<JsonObject> records) {
        return records.stream().map(d -> d.getString("id")).toList();
    }

    @Test
    void aWalkOverThousandsOfDevicesListsTheWholeRegistryOnceInIdOrder() {
        List<JsonObject> records = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            records.add(record(String.format("walk-%05d", i), i % 3 == 0 ? "acme" : "default"));
        }
        Collections.shuffle(records, new Random(7)); // registered out of order
        importAll(records);

        List<JsonObject> walked = walk("", 250);
        List<String> ids = ids(walked);
        assertThat(ids).as("id order, each once").isSorted().doesNotHaveDuplicates();
        assertThat(ids).hasSize(broker.registry().size());
        ids.forEach(id -> assertThat(broker.registry().find(id)).as(id).isPresent());
        assertThat(ids).containsAll(ids(records));
        JsonObject one = walked.stream().filter(d -> d.getString("id").equals("walk-00042")).findFirst().orElseThrow();
        assertThat(one).as("each record as GET /admin/devices/{id} answers it")
                .isEqualTo(new JsonObject(admin.get("/admin/devices/walk-00042").body()));

        assertThat(page("").getJsonArray("devices").size()).as("100 a page by default").isEqualTo(100);
        assertThat(ids(walk("", 1_000))).isEqualTo(ids);
    }

    @Test
    void theTenantAndOwnerFiltersListOnlyTheirDevices() {
        List<JsonObject> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            JsonObject r = record(String.format("tf-%04d", i), i % 4 == 0 ? "acme" : "default");
            if (i % 10 == 0) {
                r.put("owner", OWNER);
            }
            records.add(r);
        }
        importAll(records);
        List<JsonObject> acme = walk("&tenant=acme", 7);
        assertThat(acme).allSatisfy(d -> assertThat(d.getString("tenant")).isEqualTo("acme"));
        assertThat(ids(acme).stream().filter(id -> id.startsWith("tf-")).toList()).isEqualTo(records.stream()
                .filter(r -> r.getString("tenant").equals("acme")).map(r -> r.getString("id")).sorted().toList());

        List<JsonObject> owned = walk("&owner=" + OWNER.toLowerCase(java.util.Locale.ROOT), 4);
        assertThat(ids(owned)).as("the owner as a DID in any case of its address")
                .isEqualTo(records.stream().filter(r -> r.containsKey("owner")).map(r -> r.getString("id")).sorted().toList());
        assertThat(ids(walk("&owner=" + OWNER + "&tenant=acme", 100)))
                .containsExactly("tf-0000", "tf-0020", "tf-0040", "tf-0060", "tf-0080", "tf-0100", "tf-0120", "tf-0140",
                        "tf-0160", "tf-0180", "tf-0200", "tf-0220", "tf-0240", "tf-0260", "tf-0280");
        assertThat(page("?owner=did:pkh:eip155:1:0x" + "0".repeat(40))).as("an owner of nothing")
                .isEqualTo(new JsonObject().put("devices", new JsonArray()).putNull("next"));
    }

    /**
     * Registrations, deletions and replacements (a record's rate plan or tenant changing) beside a walk: a record
     * present for the whole walk is listed exactly once, and no id is listed twice.
     */
    @Test
    void aRecordPresentForTheWholeWalkIsListedOnceWhateverChangesBesideIt() throws Exception {
        List<JsonObject> stable = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            stable.add(record(String.format("cc-%05d-s", i * 5), "default"));
        }
        importAll(stable);
        AtomicBoolean walking = new AtomicBoolean(true);
        AtomicInteger changes = new AtomicInteger();
        Thread churn = new Thread(() -> {
            Random random = new Random(11);
            List<String> added = new ArrayList<>();
            while (walking.get()) {
                // new ids between the stable ones, before and after where the walk is; some go again
                String id = String.format("cc-%05d-c%d", random.nextInt(10_000), random.nextInt(1_000));
                broker.registry().register(device(id, "default", null));
                added.add(id);
                if (random.nextBoolean()) {
                    broker.registry().delete(added.remove(random.nextInt(added.size())));
                }
                // a stable record replaced in place: still present, so still listed once
                String kept = stable.get(random.nextInt(stable.size())).getString("id");
                broker.registry().register(device(kept, "default", random.nextBoolean() ? "default" : null));
                changes.addAndGet(3);
            }
        }, "listing-churn");
        churn.start();
        List<String> walked;
        try {
            while (changes.get() < 300) {
                Thread.onSpinWait(); // the churn runs before the walk starts
            }
            walked = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                walked = ids(walk("&tenant=default", 37));
                assertThat(walked).isSorted().doesNotHaveDuplicates();
                assertThat(new HashSet<>(walked)).containsAll(ids(stable));
            }
        } finally {
            walking.set(false);
            churn.join();
        }
        assertThat(changes.get()).as("changes made during the walks").isGreaterThan(1_000);
        TreeSet<String> now = new TreeSet<>(ids(walk("", 1_000)));
        assertThat(now).hasSize(broker.registry().size());
    }

    @Test
    void badParametersAreRefusedSayingWhy() {
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("?limit=0", "limit: expected 1 to 1000");
        refused.put("?limit=-1", "limit: expected 1 to 1000");
        refused.put("?limit=1001", "limit: expected 1 to 1000");
        refused.put("?limit=abc", "limit: expected 1 to 1000");
        refused.put("?limit=1e2", "limit: expected 1 to 1000");
        refused.put("?limit=%2B5", "limit: expected 1 to 1000");
        refused.put("?limit=", "limit: expected 1 to 1000");
        refused.put("?limit=99999999999", "limit: expected 1 to 1000");
        refused.put("?limit=10&limit=20", "query parameter 'limit' is given more than once");
        refused.put("?tenant=acme&tenant=default", "query parameter 'tenant' is given more than once");
        refused.put("?after=a%2Fb", "after: expected the next cursor of a previous page (a device id)");
        refused.put("?after=", "after: expected the next cursor of a previous page (a device id)");
        refused.put("?after=" + "x".repeat(129), "after: expected the next cursor of a previous page (a device id)");
        refused.put("?tenant=globex", "tenant: unknown tenant 'globex'");
        refused.put("?tenant=", "tenant: unknown tenant ''");
        refused.put("?owner=0xabc", "owner: expected a wallet DID");
        refused.put("?tenat=acme", "unknown parameter 'tenat' (expected tenant, owner, limit, after)");
        refused.put("?credential=jwk", "unknown parameter 'credential'");
        refused.forEach((query, message) -> {
            HttpResponse<String> r = admin.get("/admin/devices" + query);
            assertThat(r.statusCode()).as(query + ": " + r.body()).isEqualTo(400);
            JsonObject error = new JsonObject(r.body());
            assertThat(error.getString("error")).as(query).isEqualTo("invalid_request");
            assertThat(error.getString("error_description")).as(query).contains(message);
        });
        assertThat(anonymous.get("/admin/devices").statusCode()).as("behind the admin credential").isEqualTo(401);
        assertThat(page("?after=zzzz")).as("after the last id: an empty last page")
                .isEqualTo(new JsonObject().put("devices", new JsonArray()).putNull("next"));
        importAll(List.of(record("gap-1", "default"), record("gap-3", "default")));
        page("?limit=1"); // a walk that starts after them (a walk's later pages may use the order as it began)
        assertThat(page("?after=gap-2&limit=1").getJsonArray("devices").getJsonObject(0).getString("id"))
                .as("a cursor need not name a device (the last of a page may be deleted before the next)")
                .isEqualTo("gap-3");
    }

    /**
     * Tour AD, AD6: a tenant removed from the config keeps its records in the store, and contract.md tells the operator
     * to delete them to remove the tenant for good, but {@code ?tenant=} of it answered 400 "unknown tenant": its
     * devices could be found only by walking every tenant's. A tenant the config does not name is listed when the
     * registry holds a device of it; one with none is still refused (a misspelt tenant is not an empty list).
     */
    @Test
    void aRemovedTenantsDevicesCanBeListedByTenant() {
        broker.registry().register(device("gone-2", "gone", null));
        broker.registry().register(device("gone-1", "gone", null));
        JsonObject first = page("?tenant=gone&limit=1");
        assertThat(first.getJsonArray("devices").getJsonObject(0).getString("id")).isEqualTo("gone-1");
        assertThat(first.getString("next")).isEqualTo("gone-1");
        assertThat(page("?tenant=gone&after=gone-1").getJsonArray("devices").getJsonObject(0).getString("id"))
                .isEqualTo("gone-2");
        HttpResponse<String> typo = admin.get("/admin/devices?tenant=gonne");
        assertThat(typo.statusCode()).as(typo.body()).isEqualTo(400);
        assertThat(typo.body()).contains("unknown tenant 'gonne'");
        assertThat(broker.registry().delete("gone-1") && broker.registry().delete("gone-2")).isTrue();

        // and its services, as GET /admin/services?tenant= answers them
        io.edgeauth.device.DeviceIdentity key = io.edgeauth.device.DeviceIdentity.generate("gone-svc");
        broker.services().registerIfAbsent(new io.edgeauth.broker.service.ServiceValidator("gone"::equals, p -> false,
                java.time.Clock.systemUTC()).validate(io.edgeauth.broker.testsupport.TestServices.registration(key, "gone",
                "sub:d/+/up/#")));
        HttpResponse<String> services = admin.get("/admin/services?tenant=gone");
        assertThat(services.statusCode()).as(services.body()).isEqualTo(200);
        assertThat(new JsonObject(services.body()).getJsonArray("services").getJsonObject(0).getString("id"))
                .isEqualTo("gone-svc");
        assertThat(admin.get("/admin/services?tenant=gonne").statusCode()).isEqualTo(400);
        assertThat(admin.delete("/admin/services/gone-svc").statusCode()).isEqualTo(204);
    }
}
