package io.edgeauth.broker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.store.redis.RedisStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.testsupport.RedisServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service registry on both stores: durable, mirrored, and (on Redis) shared between nodes by the change feed. */
class ServiceRegistryTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ServiceValidator validator = new ServiceValidator("default"::equals, "gold"::equals, clock);

    private ServiceClient service(String id, String... grants) throws Exception {
        return validator.validate(registration(id, grants));
    }

    private static JsonObject registration(String id, String... grants) throws Exception {
        return new JsonObject().put("id", id)
                .put("jwk", new JsonObject(new ECKeyGenerator(Curve.P_256).keyID("k1").generate().toPublicJWK()
                        .toJSONObject()))
                .put("grants", new JsonArray(java.util.List.of(grants)));
    }

    @Test
    void registersFindsListsDeletesAndSurvivesRestartOnTheEmbeddedStore() throws Exception {
        ServiceClient telemetry = validator.validate(registration("svc-telemetry", "sub:d/+/up/#", "pub:d/+/down/#")
                .put("ratePlan", "gold"));
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            ServiceRegistry r = new ServiceRegistry(store);
            assertThat(r.mayHoldAny()).as("nothing registered, no other node").isFalse();
            assertThat(r.registerIfAbsent(telemetry)).isTrue();
            assertThat(r.mayHoldAny()).isTrue();
            assertThat(r.registerIfAbsent(service("svc-telemetry", "sub:x"))).as("the id is taken").isFalse();
            assertThat(r.registerIfAbsent(service("svc-ops", "sub:ops/#"))).isTrue();
        }
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            ServiceRegistry r = new ServiceRegistry(store);
            ServiceClient back = r.find("svc-telemetry").orElseThrow();
            assertThat(back.grants()).containsExactlyElementsOf(telemetry.grants());
            assertThat(back.tenant()).isEqualTo("default");
            assertThat(back.ratePlan()).isEqualTo("gold");
            assertThat(back.key("k1")).isPresent();
            assertThat(back.key(null)).as("the only key").isPresent();
            assertThat(back.key("k2")).as("a single key is the key, whatever the kid").isPresent();
            assertThat(back.grantsScope("pub:d/pump-7/down/reboot")).isTrue();
            assertThat(back.grantsScope("pubsub:d/+/down/#")).as("no subscribe grant there").isFalse();
            assertThat(r.list()).extracting(ServiceClient::id).containsExactly("svc-ops", "svc-telemetry");
            assertThat(r.delete("svc-ops")).isTrue();
            assertThat(r.delete("svc-ops")).isFalse();
        }
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            assertThat(new ServiceRegistry(store).list()).extracting(ServiceClient::id).containsExactly("svc-telemetry");
        }
    }

    @Test
    void twoNodesOnOneRedisSeeEachOthersRegistrationsAndDeletions() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             RedisStore one = redis.connectStore();
             RedisStore two = redis.connectStore()) {
            ServiceRegistry nodeOne = new ServiceRegistry(one, one.feed());
            ServiceRegistry nodeTwo = new ServiceRegistry(two, two.feed());
            assertThat(nodeTwo.mayHoldAny()).as("another node may register one at any moment").isTrue();
            assertThat(nodeOne.registerIfAbsent(service("svc-a", "sub:d/+/up/#"))).isTrue();
            assertThat(nodeTwo.find("svc-a")).as("read through before the feed arrives, or mirrored").isPresent();
            // the pipeline's view is the mirror alone: the feed brings the other node's registration into it
            await().atMost(Duration.ofSeconds(10)).until(() -> nodeTwo.principal("svc-a").isPresent());
            assertThat(nodeTwo.list()).hasSize(1);
            assertThat(nodeTwo.registerIfAbsent(service("svc-a", "sub:x"))).isFalse();
            assertThat(nodeTwo.delete("svc-a")).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> nodeOne.find("svc-a").isEmpty());
            try (RedisStore three = redis.connectStore()) {
                assertThat(new ServiceRegistry(three, three.feed()).list()).as("a node started later").isEmpty();
            }
        }
    }
}
