package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.mqtt.MqttSettings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code mqtt.clientAuth} on every TLS listener: the secure WebSocket listener (websocketPort with a keyStore) is one,
 * so request or required without the trust store is refused there as on tlsPort, never turned into none.
 */
class MqttClientAuthConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    private static Map<String, String> wssOnly(String clientAuth) {
        Map<String, String> env = new HashMap<>();
        env.put("EDGEAUTH_MQTT_TLS_PORT", "-1");
        env.put("EDGEAUTH_MQTT_WEBSOCKET_PORT", "8081");
        env.put("EDGEAUTH_MQTT_KEY_STORE", "srv.p12");
        env.put("EDGEAUTH_MQTT_CLIENT_AUTH", clientAuth);
        return env;
    }

    @Test
    void requiredOnTheSecureWebSocketListenerWithoutATrustStoreIsRefused() {
        assertThatThrownBy(() -> loader.load(null, wssOnly("required"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.trustStore: mqtt.clientAuth required needs");
    }

    @Test
    void requestOnTheSecureWebSocketListenerWithoutATrustStoreIsRefusedAsOnTheTlsPort() {
        assertThatThrownBy(() -> loader.load(null, wssOnly("request"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.trustStore: mqtt.clientAuth request needs");
    }

    @Test
    void noneWithoutATrustStoreAndRequiredWithOneReachTheListener() {
        assertThat(EdgeSettings.mqtt(loader.load(null, wssOnly("none"))).tls().clientAuth())
                .isEqualTo(MqttSettings.ClientAuth.NONE);
        Map<String, String> env = wssOnly("required");
        env.put("EDGEAUTH_MQTT_TRUST_STORE", "cas.pem");
        assertThat(EdgeSettings.mqtt(loader.load(null, env)).tls().clientAuth())
                .isEqualTo(MqttSettings.ClientAuth.REQUIRED);
    }
}
