package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis loses its data (FLUSHALL) under two running nodes and a third starts at once, finding no key state: it
 * makes a new signing key, but the running nodes keep theirs (retired, as a rotation does) and write it back, so
 * a token signed before the loss still verifies on every node, the new one included (before, every node dropped
 * the old key and every outstanding token failed with unknown_key).
 */
class SigningKeysAfterRedisLossTest {
    @TempDir
    Path dir;

    @Test
    void aTokenIssuedBeforeTheLossStillVerifiesOnEveryNodeAfterANodeStarts() throws Exception {
        survivesTheLoss(TokenFormat.JWT);
    }

    /**
     * The same for tokens encrypted to the broker (a nested JWT in a JWE, a COSE_Encrypt0 CWT): the running nodes keep
     * their token encryption keys and write them back too (before, a node started after the loss made new ones, every
     * node took them, and no node could open a token sealed before).
     */
    @Test
    void anEncryptedTokenIssuedBeforeTheLossStillOpensOnEveryNodeAfterANodeStarts() throws Exception {
        survivesTheLoss(TokenFormat.JWE);
        survivesTheLoss(TokenFormat.CWT_ENCRYPTED);
    }

    private void survivesTheLoss(TokenFormat format) throws Exception {
        Path dir = Files.createDirectories(this.dir.resolve(format.name()));
        RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Broker a = Broker.start(TestBrokers.config(dir.resolve("a"), redis.brokerEnv(redis.uri())));
            open.add(a);
            Broker b = Broker.start(TestBrokers.config(dir.resolve("b"), redis.brokerEnv(redis.uri())));
            open.add(b);
            DeviceIdentity pump = DeviceFixtures.register(admin(a), "keys-pump", null, List.of());
            AccessToken before = DeviceFixtures.token(base(a), pump, format);

            assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
            Broker c = Broker.start(TestBrokers.config(dir.resolve("c"), redis.brokerEnv(redis.uri())));
            open.add(c);
            // the registry was lost: the operator registers the device again, with its key
            JsonObject again = new JsonObject().put("id", "keys-pump")
                    .put("jwk", new JsonObject(pump.publicJwk().toJSONString()));
            assertThat(admin(c).postJson("/admin/devices", again.encode()).statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.registry().find("keys-pump").isPresent()
                    && b.registry().find("keys-pump").isPresent());

            for (Broker node : List.of(a, b, c)) {
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(active(node, before.value())).as("the pre-loss token on node " + base(node)).isTrue());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> new Http(base(a), null).get("/health").body()
                    .contains("\"storeDataLost\"")); // a running node says so beside its WARN lines
            AccessToken afterOnC = DeviceFixtures.token(base(c), pump, format);
            AccessToken afterOnA = DeviceFixtures.token(base(a), pump, format);
            for (Broker node : List.of(a, b, c)) {
                assertThat(active(node, afterOnC.value())).isTrue();
                assertThat(active(node, afterOnA.value())).isTrue();
                assertThat(active(node, before.value())).isTrue();
            }
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
            redis.close();
        }
    }

    private static boolean active(Broker node, String token) {
        return new JsonObject(admin(node).postForm("/oauth/introspect", Map.of("token", token)).body())
                .getBoolean("active", false);
    }

    private static Http admin(Broker node) {
        return new Http(base(node), node.newAdminCredential().orElseThrow());
    }

    private static String base(Broker node) {
        return "http://localhost:" + node.httpPort();
    }
}
