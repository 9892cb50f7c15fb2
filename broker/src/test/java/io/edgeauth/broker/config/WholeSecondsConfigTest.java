package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Durations applied in whole seconds are refused when they are not, instead of being truncated. */
class WholeSecondsConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void tokenLifetimesAreWholeSecondsOfAtLeastOne() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_MAX_LIFETIME", "500ms",
                "EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "500ms"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tokens.maxLifetime").hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_MAX_LIFETIME", "90500ms")))
                .hasMessageContaining("tokens.maxLifetime").hasMessageContaining("whole seconds")
                .hasMessageContaining("90500ms");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "1500ms")))
                .hasMessageContaining("tokens.defaultLifetime").hasMessageContaining("whole seconds");
        assertThat(loader.load(null, Map.of("EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "1s")).tokens().defaultLifetime())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void clockLeewayIsWholeSeconds() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_CLOCK_LEEWAY", "500ms")))
                .hasMessageContaining("tokens.clockLeeway").hasMessageContaining("whole seconds");
        assertThat(loader.load(null, Map.of("EDGEAUTH_TOKENS_CLOCK_LEEWAY", "0s")).tokens().clockLeeway()).isZero();
    }

    @Test
    void notificationMaxAgeIsWholeSeconds() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_NOTIFICATION_MAX_AGE", "1999ms")))
                .hasMessageContaining("coap.notificationMaxAge").hasMessageContaining("whole seconds");
    }
}
