package io.edgeauth.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings every node must share, compared across the live nodes: before, a node with a rate plan the others lack, or
 * another issuer, started and said UP, and its devices got the default plan elsewhere (or its tokens were refused);
 * nothing told the operator. Now a node warns at start, naming the other node and the settings, and
 * {@code edgeauth_cluster_config_mismatches} counts the nodes that differ.
 */
class ConfigAgreementTest {
    @TempDir
    Path dir;

    @Test
    void aNodeWithAnotherRatePlanSetIsNamedAndCounted() throws Exception {
        try (LogCapture logs = LogCapture.of(ConfigAgreement.class);
             RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Map<String, String> same = new HashMap<>(redis.brokerEnv(redis.uri()));
            same.put("EDGEAUTH_COAP_PORT", "-1");
            same.put("EDGEAUTH_PUBLIC_URL", "http://edgeauth.test");
            Map<String, String> gold = new HashMap<>(same);
            gold.put("EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":10,\"burst\":20,\"bytesPerSecond\":100000},"
                    + "\"gold\":{\"messagesPerSecond\":100,\"burst\":200,"
                    + "\"bytesPerSecond\":1000000}}");
            try (Broker a = Broker.start(TestBrokers.config(dir.resolve("a"), same));
                 Broker b = Broker.start(TestBrokers.config(dir.resolve("b"), same))) {
                assertThat(mismatches(a)).as("two nodes alike").isEqualTo(0.0);
                try (Broker c = Broker.start(TestBrokers.config(dir.resolve("c"), gold))) {
                    assertThat(mismatches(c)).as("the odd node sees both others differ").isEqualTo(2.0);
                    assertThat(logs.events()).anySatisfy(e -> assertThat(e.getFormattedMessage())
                            .contains("cluster settings differ").contains("(ratePlans)"));
                }
            }
        }
    }

    /**
     * Tour M, M3: a node with a longer tokens.maxLifetime, another clock leeway or another tenant security switch was
     * not compared (no WARN, gauge 0) though the nodes then enforce different rules; they are now, and the HS256
     * secret only by a fingerprint.
     */
    @Test
    void tokenLifetimesAndTenantSecuritySwitchesAreCompared() {
        Map<String, String> base = Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\"}]");
        Map<String, String> facts = ConfigAgreement.of(TestBrokers.config(dir.resolve("base"), base));
        for (Map.Entry<String, String> change : List.of(
                Map.entry("EDGEAUTH_TOKENS_MAX_LIFETIME", "1h"),
                Map.entry("EDGEAUTH_TOKENS_CLOCK_LEEWAY", "10s"),
                Map.entry("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"requireSignedTelemetry\":true}]"),
                Map.entry("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"encryptTokens\":true}]"),
                Map.entry("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"selfServiceScopes\":[\"read\"]}]"),
                Map.entry("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"hs256Secret\":\"" + "s".repeat(43) + "\"}]"))) {
            Map<String, String> env = new HashMap<>(base);
            env.put(change.getKey(), change.getValue());
            Map<String, String> other = ConfigAgreement.of(TestBrokers.config(dir.resolve("other"), env));
            assertThat(other).as(change.toString()).isNotEqualTo(facts);
            assertThat(other.values()).noneMatch(v -> v.contains("sss"));
        }
    }

    /**
     * Tour U, U10: nothing showed that the nodes of a cluster ran different builds (old and new nodes lose messages
     * with MQTT 5 properties between them, U6). A node now warns once, naming the other node's build and its own; a
     * node of a build that does not publish one is named as such. The build is not a setting: not counted as one.
     */
    @Test
    void aLiveNodeOfAnotherBuildIsNamedWithBothBuilds() throws Exception {
        try (LogCapture logs = LogCapture.of(ConfigAgreement.class);
             RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
             io.edgeauth.broker.store.redis.RedisStore store = redis.connectStore()) {
            Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
            env.put("EDGEAUTH_COAP_PORT", "-1");
            env.put("EDGEAUTH_PUBLIC_URL", "http://edgeauth.test");
            Map<String, String> ours = ConfigAgreement.of(TestBrokers.config(dir.resolve("a"), env));
            Map<String, String> newer = new HashMap<>(ours);
            newer.put(ConfigAgreement.BUILD, "9.9.9 (commit 0123456789ab)");
            Map<String, String> older = new HashMap<>(ours);
            older.remove(ConfigAgreement.BUILD); // as builds before 2026-12-07 publish it
            var sync = store.connectOwn().sync();
            double live = System.currentTimeMillis() + 600_000;
            for (Map.Entry<String, Map<String, String>> node : Map.of("node-newer", newer, "node-older", older).entrySet()) {
                sync.zadd(RouteTable.NODES, live, node.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sync.hset(ConfigAgreement.KEY, node.getKey(), new io.vertx.core.json.JsonObject(new java.util.TreeMap<>(
                        node.getValue())).encode().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            try (Broker a = Broker.start(TestBrokers.config(dir.resolve("a"), env))) {
                String self = io.edgeauth.broker.health.BuildInfo.current().describe();
                assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().contains("mixed builds")).singleElement()
                        .satisfies(e -> assertThat(e.getFormattedMessage())
                                .contains("node-newer runs 9.9.9 (commit 0123456789ab)")
                                .contains("node-older runs a build before 2026-12-07")
                                .contains("runs " + self).contains("docs/upgrading.md"));
                assertThat(mismatches(a)).as("a build is no setting").isEqualTo(0.0);
            }
        }
    }

    private static double mismatches(Broker broker) {
        Http http = new Http("http://127.0.0.1:" + broker.httpPort(), null);
        String metrics = http.get("/metrics").body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("edgeauth_cluster_config_mismatches ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no edgeauth_cluster_config_mismatches in /metrics");
    }
}
