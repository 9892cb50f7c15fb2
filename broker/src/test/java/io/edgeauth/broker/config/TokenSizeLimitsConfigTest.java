package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code mqtt.maxPacketSize} must hold a CONNECT carrying a token of {@code tokens.maxTokenBytes}: below it a device
 * with a token the broker issued was disconnected with no CONNACK, log line or metric.
 */
class TokenSizeLimitsConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void aPacketLimitBelowTheLargestTokensConnectIsRefused() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_MAX_PACKET_SIZE", "400",
                "EDGEAUTH_TOKENS_MAX_TOKEN_BYTES", "300")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.maxPacketSize: 400")
                .hasMessageContaining("tokens.maxTokenBytes (300)");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_MAX_PACKET_SIZE", "8192")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.maxPacketSize: 8192");
    }

    @Test
    void enoughRoomOrNoMqttListenerIsAccepted() {
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_MAX_PACKET_SIZE", "2048",
                "EDGEAUTH_TOKENS_MAX_TOKEN_BYTES", "1024"))).doesNotThrowAnyException();
        assertThatCode(() -> loader.load(null, Map.of())).doesNotThrowAnyException();
    }
}
