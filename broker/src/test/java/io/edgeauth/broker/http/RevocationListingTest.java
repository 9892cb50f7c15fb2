package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /admin/revocations} lists the revocations in force a page at a time, by kind then value, and
 * {@code GET /admin/revocations/{kind}/{value}} looks one up; an operator can see what a revocation or a withdrawn
 * fleet CA put in force without reading the store.
 */
class RevocationListingTest extends InProcessBrokerTest {

    private static void revoke(String kind, String value) {
        JsonObject body = new JsonObject().put(kind, value).put("reason", "listing test");
        if (kind.equals("kid")) { // a key revocation names its issuer (tour X, X2): here the broker's own
            body.put("iss", issuer());
        }
        HttpResponse<String> r = admin.postJson("/admin/revocations", body.encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private static String issuer() {
        return new JsonObject(admin.get("/.well-known/openid-configuration").body()).getString("issuer");
    }

    private static JsonObject page(String query) {
        HttpResponse<String> r = admin.get("/admin/revocations" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    @Test
    void everyRevocationInForceIsListedOncePageByPageInOrder() {
        List<String> jtis = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            jtis.add("rl-jti-" + i);
            revoke("jti", "rl-jti-" + (6 - i)); // made out of order
        }
        revoke("sub", "rl-sub-a");
        revoke("kid", "rl-kid-a");

        List<String> seen = new ArrayList<>();
        String query = "?limit=3";
        int pages = 0;
        while (true) {
            JsonObject page = page(query);
            pages++;
            JsonArray items = page.getJsonArray("revocations");
            assertThat(items.size()).isLessThanOrEqualTo(3);
            for (int i = 0; i < items.size(); i++) {
                JsonObject item = items.getJsonObject(i);
                seen.add(item.getString("kind") + ":" + item.getString("value"));
            }
            String next = page.getString("next");
            if (next == null) {
                break;
            }
            query = "?limit=3&after=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
        }
        List<String> ours = seen.stream().filter(s -> s.contains(":rl-") && !s.contains("pump")).toList(); // the other tests'
        // revocations share this broker
        List<String> expected = new ArrayList<>();
        jtis.forEach(j -> expected.add("jti:" + j));
        expected.add("sub:rl-sub-a");
        expected.add("kid:" + io.edgeauth.broker.revocation.Revocation.issuerKey(issuer(), "rl-kid-a"));
        assertThat(ours).containsExactlyElementsOf(expected); // kinds in order, values sorted, none twice
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(pages).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aKindFilterAndALookUpShowTheSubjectBlock() {
        revoke("sub", "rl-pump");
        JsonObject subs = page("?kind=sub&limit=1000");
        assertThat(subs.getJsonArray("revocations").stream().map(o -> ((JsonObject) o).getString("kind")))
                .containsOnly("sub");
        JsonObject one = new JsonObject(admin.get("/admin/revocations/sub/rl-pump").body());
        assertThat(one.getString("reason")).isEqualTo("listing test");
        assertThat(one.getBoolean("untilLifted")).isTrue();
        assertThat(one.getString("issuedUpTo")).isNotNull();

        assertThat(admin.delete("/admin/revocations/sub/rl-pump").statusCode()).isEqualTo(204);
        JsonObject lifted = new JsonObject(admin.get("/admin/revocations/sub/rl-pump").body());
        assertThat(lifted.containsKey("untilLifted")).isFalse();
        assertThat(lifted.getString("keepUntil")).isNotNull(); // still covers the tokens issued before

        assertThat(admin.get("/admin/revocations/sub/rl-never").statusCode()).isEqualTo(404);
    }

    @Test
    void badParametersAndAnonymousCallersAreRefused() {
        assertThat(admin.get("/admin/revocations?limit=0").statusCode()).isEqualTo(400);
        assertThat(admin.get("/admin/revocations?limit=1001").statusCode()).isEqualTo(400);
        assertThat(admin.get("/admin/revocations?limit=x").statusCode()).isEqualTo(400);
        assertThat(admin.get("/admin/revocations?kind=nope").statusCode()).isEqualTo(400);
        assertThat(admin.get("/admin/revocations?after=nocolon").statusCode()).isEqualTo(400);
        assertThat(admin.get("/admin/revocations?kind=jti&after=sub:x").statusCode()).isEqualTo(400);
        assertThat(admin.get("/admin/revocations/nope/x").statusCode()).isEqualTo(400);
        assertThat(anonymous.get("/admin/revocations").statusCode()).isEqualTo(401);
        assertThat(anonymous.get("/admin/revocations/sub/x").statusCode()).isEqualTo(401);
    }
}
