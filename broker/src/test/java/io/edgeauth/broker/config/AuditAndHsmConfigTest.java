package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code audit} section and a tenant's {@code hsm}: defaults, and bad values refused naming the key. */
class AuditAndHsmConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private void refused(Map<String, String> env, String... parts) {
        assertThatThrownBy(() -> loader.load(null, env)).isInstanceOf(ConfigException.class)
                .hasMessageContainingAll(parts);
    }

    @Test
    void auditDefaults() {
        BrokerConfig.Audit a = loader.load(null, Map.of()).audit();
        assertThat(a.chain()).isTrue();
        assertThat(a.file()).isNull();
        assertThat(a.checkpointEvery()).isEqualTo(1000);
        assertThat(a.anomalies().maxTravelSpeedKmh()).isEqualTo(1000);
        BrokerConfig c = loader.load(null, Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"acme\"}]", "EDGEAUTH_WALLET_TENANT", "acme"));
        assertThat(c.audit().signingTenant(c.tenants())).as("the first tenant signs by default").isEqualTo("acme");
        assertThat(loader.load(null, Map.of("EDGEAUTH_AUDIT_ANOMALIES_REFUSAL_WINDOW", "5m")).audit().anomalies()
                .refusalWindow()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void badAuditValuesAreRefused() {
        refused(Map.of("EDGEAUTH_AUDIT_CHECKPOINT_EVERY", "0"), "audit.checkpointEvery");
        refused(Map.of("EDGEAUTH_AUDIT_CHECKPOINT_INTERVAL", "10ms"), "audit.checkpointInterval");
        refused(Map.of("EDGEAUTH_AUDIT_CHECKPOINT_TENANT", "nobody"), "audit.checkpointTenant", "nobody");
        refused(Map.of("EDGEAUTH_AUDIT_MAX_FILE_SIZE", "lots"), "audit.maxFileSize", "100MB");
        refused(Map.of("EDGEAUTH_AUDIT_MAX_FILE_SIZE", "10"), "audit.maxFileSize", "at least 1KB");
        refused(Map.of("EDGEAUTH_AUDIT_NODE", "edge 1\n{\"forged\":1}"), "audit.node");
        refused(Map.of("EDGEAUTH_AUDIT_TOTAL_SIZE_CAP", "10GB"), "audit.totalSizeCap", "audit.file is not set");
        Path file = dir.resolve("audit.log");
        refused(Map.of("EDGEAUTH_AUDIT_FILE", file.toString(), "EDGEAUTH_AUDIT_TOTAL_SIZE_CAP", "lots"),
                "audit.totalSizeCap", "10KB, 100MB or 1GB");
        refused(Map.of("EDGEAUTH_AUDIT_FILE", file.toString(), "EDGEAUTH_AUDIT_TOTAL_SIZE_CAP", "10MB"),
                "audit.totalSizeCap", "at least audit.maxFileSize (100MB)");
        refused(Map.of("EDGEAUTH_AUDIT_FILE", file.toString(), "EDGEAUTH_AUDIT_TOTAL_SIZE_CAP", "10GB",
                "EDGEAUTH_AUDIT_MAX_HISTORY", "0"), "audit.totalSizeCap", "audit.maxHistory above 0");
        assertThat(loader.load(null, Map.of("EDGEAUTH_AUDIT_FILE", file.toString(), "EDGEAUTH_AUDIT_TOTAL_SIZE_CAP",
                "10GB")).audit().totalSizeCap()).isEqualTo("10GB");
        refused(Map.of("EDGEAUTH_AUDIT_ANOMALIES_MAX_TRAVEL_SPEED_KMH", "-1"), "audit.anomalies.maxTravelSpeedKmh");
        refused(Map.of("EDGEAUTH_AUDIT_ANOMALIES_REFUSAL_BURST", "-3"), "audit.anomalies.refusalBurst");
    }

    @Test
    void badHsmSettingsAreRefused() throws Exception {
        Path lib = Files.writeString(dir.resolve("libfake.so"), "not really");
        String ok = "\"library\":\"" + lib + "\",\"slot\":1,\"pinEnv\":\"PIN\"";
        assertThat(loader.load(null, Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"hsm\":{" + ok + "}}]"))
                .tenant("default").hsm().slot()).isEqualTo(1L);
        refused(Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"hsm\":{\"library\":\"" + dir.resolve("none.so")
                + "\",\"slot\":1,\"pinEnv\":\"PIN\"}}]"), "tenants[default].hsm.library");
        refused(Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"hsm\":{" + ok + ",\"slotListIndex\":0}}]"),
                "exactly one of slot");
        refused(Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"hsm\":{" + ok + ",\"pinFile\":\"" + lib + "\"}}]"),
                "exactly one of pinEnv");
        refused(Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"hsm\":{\"library\":\"" + lib
                + "\",\"slot\":1,\"pinEnv\":\"1 bad\"}}]"), "pinEnv");
        refused(Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\",\"algorithm\":\"EdDSA\",\"hsm\":{" + ok + "}}]"),
                "ES256 or RS256");
    }
}
