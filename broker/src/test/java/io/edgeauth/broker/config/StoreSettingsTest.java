package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code store.*}: every Redis setting is typed and refused, naming the key, unless it can work. */
class StoreSettingsTest {
    static BrokerConfig load(Map<String, String> store) {
        Map<String, String> env = new HashMap<>(store);
        env.put("EDGEAUTH_DATA_DIR", "unused-data-dir"); // only loaded, never created
        return new ConfigLoader().load(null, env);
    }

    static Map<String, String> redis(String uri) {
        return Map.of("EDGEAUTH_STORE_TYPE", "redis", "EDGEAUTH_STORE_REDIS_URI", uri,
                "EDGEAUTH_STORE_KEY_ENCRYPTION_KEY_FILE", "/etc/edgeauth/kek", "EDGEAUTH_PUBLIC_URL", "https://edge.example");
    }

    static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    @Test
    void theDefaultsAreEmbeddedAndFailClosed() {
        BrokerConfig.Store s = load(Map.of()).store();
        assertThat(s.type()).isEqualTo("embedded");
        assertThat(s.onOutage()).isEqualTo("fail-closed");
        assertThat(s.redisTimeout()).hasSeconds(2);
    }

    @Test
    void waitForReplicasIsOffByDefaultAndItsSettingsAreChecked() {
        assertThat(load(Map.of()).store().redisWaitReplicas()).isZero();
        BrokerConfig.Store s = load(with(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_WAIT_REPLICAS", "2"),
                "EDGEAUTH_STORE_REDIS_WAIT_TIMEOUT", "250ms")).store();
        assertThat(s.redisWaitReplicas()).isEqualTo(2);
        assertThat(s.redisWaitTimeout()).isEqualTo(Duration.ofMillis(250));
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_WAIT_REPLICAS", "-1"), "store.redisWaitReplicas: expected 0 to 32");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_WAIT_REPLICAS", "33"), "store.redisWaitReplicas");
        assertRefused(with(Map.of(), "EDGEAUTH_STORE_REDIS_WAIT_REPLICAS", "1"), "only used with store.type redis");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_WAIT_TIMEOUT", "1ms"), "store.redisWaitTimeout: expected 10ms");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_WAIT_TIMEOUT", "2s"), "less than store.redisTimeout");
    }

    @Test
    void acceptsPlainTlsAndSentinelUris() {
        assertThat(load(redis("redis://127.0.0.1:6379/2")).store().redisUri()).isEqualTo("redis://127.0.0.1:6379/2");
        assertThat(load(with(redis("rediss://redis.example:6380"), "EDGEAUTH_STORE_REDIS_TRUST_STORE", "/etc/ca.pem"))
                .store().redisTrustStore()).isEqualTo(Path.of("/etc/ca.pem"));
        assertThat(load(redis("redis-sentinel://s1:26379,s2:26379,[::1]:26380/0#mymaster")).store().type()).isEqualTo("redis");
        BrokerConfig.Store acl = load(with(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_USER", "edge"),
                "EDGEAUTH_STORE_REDIS_PASSWORD", "s3cret")).store();
        assertThat(acl.redisUser()).isEqualTo("edge");
    }

    @Test
    void crossNodeRoutingSettingsAreCheckedNamingTheKey() {
        BrokerConfig.Store defaults = load(redis("redis://h:1")).store();
        assertThat(defaults.nodeId()).isEmpty();
        assertThat(defaults.inboxLength()).isEqualTo(100_000);
        assertThat(defaults.nodeLease()).hasSeconds(30);
        assertThat(load(with(redis("redis://h:1"), "EDGEAUTH_STORE_NODE_ID", "edge-eu-1")).store().nodeId())
                .isEqualTo("edge-eu-1");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_NODE_ID", "a/b"), "store.nodeId: expected 1 to 64");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_NODE_ID", "x".repeat(65)), "store.nodeId");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_NODE_ID", "evil\nline"), "store.nodeId");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_INBOX_LENGTH", "10"), "store.inboxLength: expected 1000");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_NODE_LEASE", "100ms"), "store.nodeLease: expected 1s");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_NODE_LEASE", "1h"), "store.nodeLease");
    }

    @Test
    void refusesWhatCannotWork() {
        assertRefused(Map.of("EDGEAUTH_STORE_TYPE", "postgres"), "store.type: expected embedded or redis");
        assertRefused(Map.of("EDGEAUTH_STORE_TYPE", "redis"), "store.redisUri: store.type redis needs");
        assertRefused(Map.of("EDGEAUTH_STORE_TYPE", "redis", "EDGEAUTH_STORE_REDIS_URI", "redis://h:1"),
                "store.keyEncryptionKeyFile: store.type redis shares the signing keys");
        assertRefused(Map.of("EDGEAUTH_STORE_KEY_ENCRYPTION_KEY_FILE", "/kek"), "only used with store.type redis");
        Map<String, String> perNodeIssuer = new HashMap<>(redis("redis://h:1"));
        perNodeIssuer.remove("EDGEAUTH_PUBLIC_URL");
        assertRefused(perNodeIssuer, "publicUrl: store.type redis runs several nodes that must accept each other's tokens");
        perNodeIssuer.put("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"issuer\":\"https://edge.example\"}]");
        perNodeIssuer.put("EDGEAUTH_TOKENS_AUDIENCES", "[\"edgeauth\"]");
        assertThat(load(perNodeIssuer).store().type()).isEqualTo("redis");
        assertRefused(redis("http://host:6379"), "store.redisUri");
        assertRefused(redis("redis://a:1,b:2"), "several hosts need the redis-sentinel:// scheme");
        assertRefused(redis("redis-sentinel://s1:26379"), "must name the master after '#'");
        assertRefused(redis("redis://h:1#master"), "use redis-sentinel://");
        assertRefused(redis("redis://h:99999"), "is not host[:port]");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_USER", "edge"), "store.redisUser: an ACL user needs");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_TRUST_STORE", "/ca.pem"), "only used with TLS");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_REDIS_TIMEOUT", "10ms"), "store.redisTimeout: expected 100ms to 60s");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_CHANGE_STREAM_LENGTH", "5"), "store.changeStreamLength");
        assertRefused(with(redis("redis://h:1"), "EDGEAUTH_STORE_ON_OUTAGE", "fail-open"), "store.onOutage: expected fail-closed");
    }

    @Test
    void aPasswordInTheUriIsRefusedAndNeverEchoed() {
        assertThatThrownBy(() -> load(redis("redis://user:hunter2@h:6379")))
                .hasMessageContaining("no credentials in the URI").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> load(redis("redis://:hunter2@h:6379/x")))
                .hasMessageContaining("store.redisUri").hasMessageNotContaining("hunter2");
    }

    @Test
    void hostileValuesAreBoundedAndControlCharactersRemoved() {
        assertThatThrownBy(() -> load(redis("redis://h\u001b[2J:1/" + "x".repeat(5000))))
                .hasMessageContaining("store.redisUri").hasMessageNotContaining("\u001b")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(1000));
    }

    private static void assertRefused(Map<String, String> env, String message) {
        assertThatThrownBy(() -> load(env)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
