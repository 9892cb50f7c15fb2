package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** An empty value for a number says the key needs a number, not which Jackson feature to turn off. */
class EmptyNumberConfigTest {
    @Test
    void anEmptyNumberIsRequiredANumber() {
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("EDGEAUTH_HTTP_PORT", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port: required, a whole number")
                .hasMessageNotContaining("DeserializationFeature").hasMessageNotContaining("`");
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("EDGEAUTH_AUDIT_ANOMALIES_MAX_TRAVEL_SPEED_KMH", "")))
                .hasMessageContaining("audit.anomalies.maxTravelSpeedKmh").hasMessageContaining("number")
                .hasMessageNotContaining("`");
    }
}
