package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Settings with no default that nothing would read are refused by name, as the MQTT/CoAP stores and the Redis keys
 * already were (contract.md "Configuration"): they were accepted and did nothing.
 */
class UnusedSettingsConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    private void refused(Map<String, String> env, String key) {
        assertThatThrownBy(() -> loader.load(null, env)).as(key).isInstanceOf(ConfigException.class)
                .hasMessageContaining(key);
    }

    @Test
    void httpsMaterialWithoutTheHttpsListener() {
        refused(Map.of("EDGEAUTH_HTTP_TLS_KEY_STORE", "srv.p12"), "http.tls.keyStore");
        refused(Map.of("EDGEAUTH_HTTP_TLS_TRUST_STORE", "ca.pem"), "http.tls.trustStore");
        refused(Map.of("EDGEAUTH_HTTP_TLS_KEY_STORE_PASSWORD", "secret"), "http.tls.keyStorePassword");
    }

    @Test
    void mqttTrustMaterialThatNoHandshakeAsksFor() {
        refused(Map.of("EDGEAUTH_MQTT_TLS_PORT", "8883", "EDGEAUTH_MQTT_KEY_STORE", "srv.p12",
                "EDGEAUTH_MQTT_TRUST_STORE", "ca.pem", "EDGEAUTH_MQTT_CLIENT_AUTH", "none"), "mqtt.trustStore");
        refused(Map.of("EDGEAUTH_MQTT_KEY_STORE_PASSWORD", "secret"), "mqtt.keyStorePassword");
        refused(Map.of("EDGEAUTH_MQTT_TRUST_STORE_PASSWORD", "secret"), "mqtt.trustStorePassword");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_KEY_STORE_PASSWORD", "s3cr3t-value")))
                .hasMessageNotContaining("s3cr3t-value");
    }

    @Test
    void dtlsAndAuditSettingsWithoutTheirFeature() {
        refused(Map.of("EDGEAUTH_COAP_DTLS_PORT", "-1", "EDGEAUTH_COAP_PSK_MASTER_SECRET_FILE", "/nonexistent"),
                "coap.pskMasterSecretFile");
        refused(Map.of("EDGEAUTH_AUDIT_CHAIN", "false", "EDGEAUTH_AUDIT_CHECKPOINT_TENANT", "default"),
                "audit.checkpointTenant");
        refused(Map.of("EDGEAUTH_AUDIT_CHAIN", "false", "EDGEAUTH_AUDIT_CHECKPOINT_TENANT", "nosuch"),
                "audit.checkpointTenant");
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_AUDIT_CHECKPOINT_TENANT", "default")))
                .doesNotThrowAnyException();
    }
}
