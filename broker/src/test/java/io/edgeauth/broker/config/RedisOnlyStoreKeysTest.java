package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Redis-only {@code store.*} keys with {@code store.type: embedded} are refused by name instead of ignored. */
class RedisOnlyStoreKeysTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void eachRedisOnlyKeyIsRefusedWithTheEmbeddedStore() {
        Map<String, String> keys = Map.of("EDGEAUTH_STORE_REDIS_URI", "store.redisUri",
                "EDGEAUTH_STORE_REDIS_USER", "store.redisUser", "EDGEAUTH_STORE_REDIS_PASSWORD", "store.redisPassword",
                "EDGEAUTH_STORE_REDIS_TRUST_STORE", "store.redisTrustStore", "EDGEAUTH_STORE_NODE_ID", "store.nodeId");
        keys.forEach((variable, key) -> assertThatThrownBy(() -> loader.load(null, Map.of(variable, "node-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(key + ": only used with store.type redis")
                .hasMessageContaining("store.type is embedded"));
    }

    @Test
    void thePasswordIsNotEchoed() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_STORE_REDIS_PASSWORD", "hunter2-secret")))
                .hasMessageNotContaining("hunter2-secret");
    }

    @Test
    void theDefaultsStillLoad() {
        assertThat(loader.load(null, Map.of()).store().type()).isEqualTo("embedded");
    }
}
