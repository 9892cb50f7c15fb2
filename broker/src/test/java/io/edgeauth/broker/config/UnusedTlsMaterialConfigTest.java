package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Key and trust stores no listener would use are refused, saying what is missing, instead of being ignored. */
class UnusedTlsMaterialConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void aCoapTrustStoreWithoutTheCoapKeyStoreIsRefused() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_TRUST_STORE", "cas.pem")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("coap.trustStore")
                .hasMessageContaining("coap.keyStore");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_KEY_STORE", "srv.p12",
                "EDGEAUTH_COAP_DTLS_PORT", "-1"))).hasMessageContaining("coap.keyStore").hasMessageContaining("coap.dtlsPort");
    }

    @Test
    void mqttStoresWithoutATlsListenerAreRefused() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_KEY_STORE", "srv.p12",
                "EDGEAUTH_MQTT_CLIENT_AUTH", "none"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.keyStore").hasMessageContaining("mqtt.tlsPort");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_TRUST_STORE", "cas.pem",
                "EDGEAUTH_MQTT_CLIENT_AUTH", "required"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.trustStore").hasMessageContaining("no MQTT TLS listener");
        assertThat(loader.load(null, Map.of("EDGEAUTH_MQTT_KEY_STORE", "srv.p12", "EDGEAUTH_MQTT_WEBSOCKET_PORT", "8081",
                "EDGEAUTH_MQTT_TRUST_STORE", "cas.pem")).mqtt().trustStore()).hasToString("cas.pem");
    }
}
