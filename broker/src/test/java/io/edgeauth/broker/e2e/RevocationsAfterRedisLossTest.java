package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis restarted without its data under two nodes that hold revocations: the nodes write back what the store
 * lost, so a third node started afterwards holds the same revocations and refuses the revoked device like the
 * others (before, it held none and issued the device a token the others refused). A subject revocation lifted
 * before the loss comes back lifted, not as a block.
 */
class RevocationsAfterRedisLossTest {
    @TempDir
    Path dir;

    @Test
    void revocationsSurviveRedisLosingItsDataOnEveryNodeIncludingOneStartedAfterwards() throws Exception {
        RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Broker a = Broker.start(TestBrokers.config(dir.resolve("a"), redis.brokerEnv(redis.uri())));
            open.add(a);
            Broker b = Broker.start(TestBrokers.config(dir.resolve("b"), redis.brokerEnv(redis.uri())));
            open.add(b);
            Http adminA = admin(a);
            DeviceIdentity pump = DeviceFixtures.register(adminA, "loss-pump", null, List.of());
            DeviceFixtures.token(base(a), pump, TokenFormat.JWT); // issued while not revoked
            // a kid no key of the broker has names its issuer (tour X, X2): here the broker's own
            String iss = new JsonObject(adminA.get("/.well-known/openid-configuration").body()).getString("issuer");
            String kid = new JsonObject().put("kid", "loss-kid").put("iss", iss).encode();
            for (String body : List.of("{\"sub\":\"loss-pump\"}", "{\"jti\":\"loss-jti\"}", kid,
                    "{\"sub\":\"loss-lifted\"}")) {
                assertThat(adminA.postJson("/admin/revocations", body).statusCode()).isEqualTo(201);
            }
            assertThat(adminA.delete("/admin/revocations/sub/loss-lifted").statusCode()).isEqualTo(204);
            Http adminB = admin(b);
            await().atMost(Duration.ofSeconds(5)).until(() -> listing(adminB).equals(listing(adminA)));
            JsonArray before = listing(adminA);
            assertThat(before).hasSize(4);

            redis.restartEmpty(); // a Redis without persistence restarted: every key and stream is gone

            // the nodes write back what the store lost: a node started now loads it
            await().atMost(Duration.ofSeconds(20)).until(() -> redis.command("EXISTS",
                    "ea:revocations:SUB:loss-pump").equals(":1"));
            Broker c = Broker.start(TestBrokers.config(dir.resolve("c"), redis.brokerEnv(redis.uri())));
            open.add(c);
            Http adminC = admin(c);
            await().atMost(Duration.ofSeconds(10)).until(() -> listing(adminC).equals(before));
            assertThat(listing(adminA)).isEqualTo(before);
            assertThat(listing(adminB)).isEqualTo(before);
            JsonObject lifted = new JsonObject(adminC.get("/admin/revocations/sub/loss-lifted").body());
            assertThat(lifted.containsKey("untilLifted")).as("the lift is not undone").isFalse();

            // the registry was lost too: the operator registers the device again (on C, which does not know it)
            DeviceIdentity again = DeviceFixtures.register(adminC, "loss-pump", null, List.of());
            DeviceIdentity other = DeviceFixtures.register(adminC, "loss-other", null, List.of());
            DeviceFixtures.token(base(c), other, TokenFormat.JWT); // C issues tokens
            assertThatThrownBy(() -> DeviceFixtures.token(base(c), again, TokenFormat.JWT))
                    .as("C refuses the revoked device like A and B").hasMessageContaining("invalid_client");
            assertThatThrownBy(() -> DeviceFixtures.token(base(a), again, TokenFormat.JWT))
                    .hasMessageContaining("invalid_client");
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
            redis.close();
        }
    }

    private static Http admin(Broker node) {
        return new Http(base(node), node.newAdminCredential().orElseThrow());
    }

    private static String base(Broker node) {
        return "http://localhost:" + node.httpPort();
    }

    /** Every revocation in force the node lists (kind, value, coverage, whether it blocks). */
    private static JsonArray listing(Http admin) {
        JsonArray items = new JsonObject(admin.get("/admin/revocations?limit=1000").body()).getJsonArray("revocations");
        JsonArray out = new JsonArray();
        for (int i = 0; i < items.size(); i++) {
            JsonObject r = items.getJsonObject(i);
            out.add(new JsonObject().put("kind", r.getString("kind")).put("value", r.getString("value"))
                    .put("issuedUpTo", r.getString("issuedUpTo")).put("untilLifted", r.getBoolean("untilLifted", false)));
        }
        return out;
    }
}
