package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An {@code EDGEAUTH_*} value is parsed as a YAML list or mapping only for a key that is one; a string key takes the
 * text as it is (a password may start with '{'), and an error never repeats the value.
 */
class EnvironmentValueTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void aPasswordStartingWithABraceOrBracketIsTakenAsText() {
        Map<String, String> env = new HashMap<>(Map.of("EDGEAUTH_STORE_TYPE", "redis",
                "EDGEAUTH_STORE_REDIS_URI", "redis://cache:6379", "EDGEAUTH_STORE_KEY_ENCRYPTION_KEY_FILE", "kek",
                "EDGEAUTH_PUBLIC_URL", "https://edge.example"));
        env.put("EDGEAUTH_STORE_REDIS_PASSWORD", "{Tr0ub4dor&3");
        assertThat(loader.load(null, env).store().redisPassword()).isEqualTo("{Tr0ub4dor&3");
        env.put("EDGEAUTH_STORE_REDIS_PASSWORD", "[x: y]");
        assertThat(loader.load(null, env).store().redisPassword()).isEqualTo("[x: y]");
    }

    @Test
    void aBadListNamesTheVariableAndTheFormButNotTheValue() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"a\",\"hs256Secret\":\"s3cr3tV4lue\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("EDGEAUTH_TENANTS")
                .hasMessageContaining("YAML").hasMessageNotContaining("s3cr3tV4lue");
    }

    @Test
    void listsAndMappingsStillComeFromTheEnvironment() {
        BrokerConfig c = loader.load(null, Map.of("EDGEAUTH_TOKENS_AUDIENCES", "[a, b]",
                "EDGEAUTH_RATE_PLANS", "{default: {messagesPerSecond: 5, burst: 5, bytesPerSecond: 100}}"));
        assertThat(c.tokens().audiences()).containsExactly("a", "b");
        assertThat(c.ratePlans().get("default").burst()).isEqualTo(5);
    }
}
