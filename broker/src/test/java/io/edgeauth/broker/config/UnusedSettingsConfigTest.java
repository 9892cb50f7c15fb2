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

    /** Tour C, C6: keys with a default of their own were accepted and did nothing where their feature is off. */
    @Test
    void settingsChangedFromTheirDefaultWhereTheirFeatureIsOff() {
        refused(Map.of("EDGEAUTH_HTTP_TLS_CLIENT_AUTH", "required"), "http.tls.clientAuth");
        refused(Map.of("EDGEAUTH_COAP_DTLS_PORT", "-1", "EDGEAUTH_COAP_KEEP_DTLS_SESSIONS", "false"),
                "coap.keepDtlsSessions");
        refused(Map.of("EDGEAUTH_AUDIT_CHAIN", "false", "EDGEAUTH_AUDIT_CHECKPOINT_EVERY", "10"),
                "audit.checkpointEvery");
        refused(Map.of("EDGEAUTH_AUDIT_CHAIN", "false", "EDGEAUTH_AUDIT_CHECKPOINT_INTERVAL", "10s"),
                "audit.checkpointInterval");
        refused(Map.of("EDGEAUTH_AUDIT_MAX_HISTORY", "90"), "audit.maxHistory");
        refused(Map.of("EDGEAUTH_AUDIT_MAX_FILE_SIZE", "1GB"), "audit.maxFileSize");
        refused(Map.of("EDGEAUTH_STORE_ON_OUTAGE", "fail-open-revocations"), "store.onOutage");
        refused(Map.of("EDGEAUTH_STORE_REDIS_TIMEOUT", "5s"), "store.redisTimeout");
        refused(Map.of("EDGEAUTH_STORE_NODE_LEASE", "45s"), "store.nodeLease");
        refused(Map.of("EDGEAUTH_STORE_REDIS_WAIT_TIMEOUT", "1s"), "store.redisWaitTimeout");
        refused(Map.of("EDGEAUTH_STORE_INBOX_LENGTH", "5000"), "store.inboxLength");
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_AUDIT_MAX_HISTORY", "90", "EDGEAUTH_AUDIT_FILE",
                "audit.log"))).as("with its feature on").doesNotThrowAnyException();
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_AUDIT_CHAIN", "false", "EDGEAUTH_AUDIT_CHECKPOINT_EVERY",
                "1000"))).as("left at its default").doesNotThrowAnyException();
    }

    /** What {@code config defaults} prints, used as a config file, loads: every idle key is at its default there. */
    @Test
    void theDefaultsCopiedIntoAFileLoad(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("copied.yaml"), ConfigLoader.defaultsText());
        assertThatCode(() -> loader.load(file, Map.of())).doesNotThrowAnyException();
    }
}
