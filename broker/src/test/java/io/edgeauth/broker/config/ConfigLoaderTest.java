package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void defaultsAreAWorkingConfig() {
        BrokerConfig c = loader.load(null, Map.of());
        assertThat(c.http().port()).isEqualTo(8080);
        assertThat(c.tokens().maxLifetime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.tenants()).extracting(BrokerConfig.Tenant::id).containsExactly("default");
        assertThat(c.ratePlans()).containsKey("default");
    }

    @Test
    void fileOverridesDefaultsAndEnvironmentOverridesFile() throws Exception {
        Path f = write("http:\n  port: 9000\ntokens:\n  maxLifetime: 15m\n  defaultLifetime: 5m\n");
        BrokerConfig c = loader.load(f, Map.of("EDGEAUTH_HTTP_PORT", "9100", "EDGEAUTH_TOKENS_CLOCK_LEEWAY", "10s",
                "EDGEAUTH_REGION_GEOHASH", "u33d", "OTHER", "x"));
        assertThat(c.http().port()).isEqualTo(9100);
        assertThat(c.tokens().maxLifetime()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.tokens().clockLeeway()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.region().geohash()).isEqualTo("u33d");
    }

    /** docs/onboarding.md's own example: a named template beside the default one, in a YAML file. */
    @Test
    void namedTemplatesComeFromTheFileBesideTheDefaultAndTheirKeysAreChecked() throws Exception {
        BrokerConfig c = loader.load(write("provisioning:\n  templates:\n    field:\n      region: [u33d]\n"
                + "      owner: did:pkh:eip155:1:0x00000000000000000000000000000000000000aA\n"), Map.of());
        assertThat(c.provisioning().templates()).containsKeys("default", "field");
        assertThat(c.provisioning().templates().get("field").region()).containsExactly("u33d");
        BrokerConfig replaced = loader.load(write("provisioning:\n  templates:\n    default:\n      region: [u4pr]\n"),
                Map.of());
        assertThat(replaced.provisioning().templates().get("default").region()).containsExactly("u4pr");
        assertThatThrownBy(() -> loader.load(write("provisioning:\n  templates:\n    field:\n      regoin: [u33d]\n"),
                Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown config key 'provisioning.templates.field.regoin' (known here: owner,"
                        + " ratePlan, region)").hasMessageNotContaining("BrokerConfig$");
        assertThatThrownBy(() -> loader.load(write("provisioning:\n  templates:\n    field: 3\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("provisioning.templates.field");
    }

    /** Tour Q, Q9: how long a persistent session waits offline was a fixed hour, no setting and no doc. */
    @Test
    void theLongestSessionExpiryIsASetting() throws Exception {
        assertThat(EdgeSettings.mqtt(loader.load(null, Map.of())).maxSessionExpiry()).isEqualTo(Duration.ofHours(1));
        BrokerConfig c = loader.load(null, Map.of("EDGEAUTH_MQTT_MAX_SESSION_EXPIRY", "7d"));
        assertThat(EdgeSettings.mqtt(c).maxSessionExpiry()).isEqualTo(Duration.ofDays(7));
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_MAX_SESSION_EXPIRY", "31d")))
                .hasMessageContaining("mqtt.maxSessionExpiry");
    }

    /**
     * Settings the docs named and start-up refused as unknown ({@code mqtt.connectTimeout}), or that did not exist
     * before 2026-12-06 (the HTTP connection bounds): each is read, reaches what it sets, and is checked.
     */
    @Test
    void connectionTimeoutsAndBoundsAreSettingsThatReachTheirListeners() throws Exception {
        BrokerConfig defaults = loader.load(null, Map.of());
        assertThat(EdgeSettings.mqtt(defaults).connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.http().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        BrokerConfig c = loader.load(null, Map.of("EDGEAUTH_MQTT_CONNECT_TIMEOUT", "5s", "EDGEAUTH_HTTP_IDLE_TIMEOUT", "2m",
                "EDGEAUTH_HTTP_MAX_CONNECTIONS", "500", "EDGEAUTH_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "50"));
        assertThat(EdgeSettings.mqtt(c).connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.http().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.http().maxConnections()).isEqualTo(500);
        assertThat(c.http().maxConnectionsPerAddress()).isEqualTo(50);
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_CONNECT_TIMEOUT", "0s")))
                .hasMessageContaining("mqtt.connectTimeout");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_IDLE_TIMEOUT", "2h")))
                .hasMessageContaining("http.idleTimeout");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_MAX_CONNECTIONS", "-1")))
                .hasMessageContaining("http.maxConnections");
    }

    @Test
    void listsCanComeFromTheEnvironment() {
        BrokerConfig c = loader.load(null, Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"acme\"},{\"id\":\"globex\",\"algorithm\":\"EdDSA\"}]",
                "EDGEAUTH_WALLET_TENANT", "acme"));
        assertThat(c.tenants()).extracting(BrokerConfig.Tenant::id).containsExactly("acme", "globex");
        assertThat(c.tenant("acme").algorithm()).isEqualTo("ES256");
    }

    @Test
    void badValuesNameTheKeyAndTheExpectedForm() throws Exception {
        assertThatThrownBy(() -> loader.load(write("http:\n  port: 70000\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port").hasMessageContaining("0-65535");
        assertThatThrownBy(() -> loader.load(write("http:\n  port: eighty\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port");
        assertThatThrownBy(() -> loader.load(write("tokens:\n  clockLeeway: 5m\n"), Map.of()))
                .hasMessageContaining("tokens.clockLeeway").hasMessageContaining("30s");
        assertThatThrownBy(() -> loader.load(write("tokens:\n  maxLifetime: soon\n"), Map.of()))
                .hasMessageContaining("tokens.maxLifetime").hasMessageContaining("duration");
        assertThatThrownBy(() -> loader.load(write("region:\n  geohash: u33a\n"), Map.of()))
                .hasMessageContaining("region.geohash");
        assertThatThrownBy(() -> loader.load(write("tenants:\n  - id: Bad/Id\n"), Map.of()))
                .hasMessageContaining("tenants[0].id");
        assertThatThrownBy(() -> loader.load(write("tenants:\n  - id: a\n    algorithm: none\n"), Map.of()))
                .hasMessageContaining("tenants[0].algorithm");
        assertThatThrownBy(() -> loader.load(write("htp:\n  port: 1\n"), Map.of()))
                .hasMessageContaining("unknown config key 'htp'");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_PROT", "1")))
                .hasMessageContaining("EDGEAUTH_HTTP_PROT");
        // variables for other tools share the prefix: noted, not fatal
        assertThat(loader.load(null, Map.of("EDGEAUTH_ADMIN", "x")).http().port()).isEqualTo(8080);
        assertThat(loader.ignoredVariables()).containsExactly("EDGEAUTH_ADMIN");
        assertThatThrownBy(() -> loader.load(write("defaultRatePlan: gold\n"), Map.of()))
                .hasMessageContaining("defaultRatePlan");
        assertThatThrownBy(() -> loader.load(write("trustedIssuers:\n  - issuer: https://idp\n    jwksUri: http://evil.example/jwks\n"), Map.of()))
                .hasMessageContaining("trustedIssuers[0].jwksUri");
        assertThatThrownBy(() -> loader.load(write("- just\n- a list\n"), Map.of()))
                .hasMessageContaining("mapping");
        assertThatThrownBy(() -> loader.load(write("provisioning:\n  enrollmentGroups:\n    - id: g\n      secretFile: "
                + write("x".repeat(32)) + "\n      idPattern: \"meter-[\"\n"), Map.of()))
                .hasMessageContaining("provisioning.enrollmentGroups[0].idPattern: not a regular expression");
        assertThatThrownBy(() -> loader.load(write("ratePlans:\n  lab:\n    messagesPerSecond: 5\n"), Map.of()))
                .hasMessageNotContaining("DeserializationConfig").hasMessageContaining("ratePlans.lab.")
                .hasMessageContaining("required");
    }

    @Test
    void verificationCacheSizeIsReadAndBoundedByRangeAndHeap() throws Exception {
        assertThat(loader.load(null, Map.of()).tokens().verificationCacheSize()).isEqualTo(100_000);
        assertThat(loader.load(write("tokens:\n  verificationCacheSize: 250000\n"), Map.of()).tokens()
                .verificationCacheSize()).isEqualTo(250_000);
        assertThat(loader.load(null, Map.of("EDGEAUTH_TOKENS_VERIFICATION_CACHE_SIZE", "5000")).tokens()
                .verificationCacheSize()).isEqualTo(5000);
        assertThatThrownBy(() -> loader.load(write("tokens:\n  verificationCacheSize: 10\n"), Map.of()))
                .hasMessageContaining("tokens.verificationCacheSize: expected 100 to 10000000, got 10");
        assertThatThrownBy(() -> loader.load(write("tokens:\n  verificationCacheSize: 20000000\n"), Map.of()))
                .hasMessageContaining("tokens.verificationCacheSize: expected 100 to 10000000");
        // a size the heap cannot hold is refused with what it needs, whatever heap this test runs with
        java.util.List<String> errors = new java.util.ArrayList<>();
        ConfigValidator.verificationCache(errors, 1_000_000, 1024L << 20);
        assertThat(errors).singleElement().asString().contains("tokens.verificationCacheSize: 1000000 entries take about 976 MiB")
                .contains("this JVM's heap (1024 MiB)").contains("-Xmx");
        errors.clear();
        ConfigValidator.verificationCache(errors, 500_000, 1024L << 20);
        assertThat(errors).isEmpty();
    }

    @Test
    void coapBlockwiseBoundsAreReadAndBounded() throws Exception {
        BrokerConfig defaults = loader.load(null, Map.of());
        assertThat(EdgeSettings.coap(defaults, dir).maxBlockTransfers()).isEqualTo(256);
        assertThat(EdgeSettings.coap(defaults, dir).maxBlockTransfersPerPeer()).isEqualTo(4);
        assertThat(EdgeSettings.coap(defaults, dir).blockwiseLifetime()).isEqualTo(java.time.Duration.ofSeconds(60));
        BrokerConfig set = loader.load(write("coap:\n  maxBlockTransfers: 10\n  maxBlockTransfersPerPeer: 2\n"
                + "  blockwiseLifetime: 20s\n"), Map.of());
        assertThat(EdgeSettings.coap(set, dir).maxBlockTransfers()).isEqualTo(10);
        assertThat(EdgeSettings.coap(set, dir).maxBlockTransfersPerPeer()).isEqualTo(2);
        assertThat(EdgeSettings.coap(set, dir).blockwiseLifetime()).isEqualTo(java.time.Duration.ofSeconds(20));
        assertThatThrownBy(() -> loader.load(write("coap:\n  maxBlockTransfers: 3\n  maxBlockTransfersPerPeer: 4\n"),
                Map.of())).hasMessageContaining("coap.maxBlockTransfersPerPeer: expected 1 to 3");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_BLOCKWISE_LIFETIME", "1h")))
                .hasMessageContaining("coap.blockwiseLifetime");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_MAX_BLOCK_TRANSFERS", "0")))
                .hasMessageContaining("coap.maxBlockTransfers");
        assertThat(EdgeSettings.coap(defaults, dir).maxDedupExchanges()).isZero();
        assertThat(EdgeSettings.coap(loader.load(null, Map.of("EDGEAUTH_COAP_MAX_DEDUP_EXCHANGES", "5000")), dir)
                .maxDedupExchanges()).isEqualTo(5000);
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_MAX_DEDUP_EXCHANGES", "-1")))
                .hasMessageContaining("coap.maxDedupExchanges");
    }

    @Test
    void coapPerPrincipalCapsAreReadAndBounded() throws Exception {
        BrokerConfig defaults = loader.load(null, Map.of());
        assertThat(defaults.coap().maxPeersPerPrincipal()).isEqualTo(8);
        assertThat(defaults.coap().maxObservationsPerPrincipal()).isEqualTo(16);
        assertThat(EdgeSettings.coap(defaults, dir).maxPeersPerPrincipal()).isEqualTo(8);
        BrokerConfig set = loader.load(write("coap:\n  maxPeersPerPrincipal: 2\n  maxObservationsPerPrincipal: 3\n"),
                Map.of());
        assertThat(EdgeSettings.coap(set, dir).maxObservationsPerPrincipal()).isEqualTo(3);
        assertThat(EdgeSettings.coap(set, dir).maxPeersPerPrincipal()).isEqualTo(2);
        assertThatThrownBy(() -> loader.load(write("coap:\n  maxPeersPerPrincipal: 0\n"), Map.of()))
                .hasMessageContaining("coap.maxPeersPerPrincipal").hasMessageContaining("1 to");
        assertThatThrownBy(() -> loader.load(write("coap:\n  maxSessions: 4\n  maxPeersPerPrincipal: 5\n"), Map.of()))
                .hasMessageContaining("coap.maxPeersPerPrincipal: expected 1 to 4");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_MAX_OBSERVATIONS_PER_PRINCIPAL", "-1")))
                .hasMessageContaining("coap.maxObservationsPerPrincipal");
    }

    @Test
    void coapCommandRetentionIsReadAndBounded() throws Exception {
        BrokerConfig defaults = loader.load(null, Map.of());
        assertThat(EdgeSettings.coap(defaults, dir).commandRetention()).isEqualTo(Duration.ofMinutes(5));
        BrokerConfig off = loader.load(write("coap:\n  commandRetention: 0s\n"), Map.of());
        assertThat(EdgeSettings.coap(off, dir).commandRetention()).isZero();
        BrokerConfig day = loader.load(null, Map.of("EDGEAUTH_COAP_COMMAND_RETENTION", "24h"));
        assertThat(EdgeSettings.coap(day, dir).commandRetention()).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> loader.load(write("coap:\n  commandRetention: 25h\n"), Map.of()))
                .hasMessageContaining("coap.commandRetention: must be 0s..24h");
        assertThatThrownBy(() -> loader.load(write("coap:\n  commandRetention: -1s\n"), Map.of()))
                .hasMessageContaining("coap.commandRetention");
        assertThatThrownBy(() -> io.edgeauth.broker.coap.CoapSettings.defaults().toBuilder().commandRetention(Duration.ofDays(2)).build())
                .hasMessageContaining("commandRetention");
    }

    @Test
    void keepingDtlsSessionsIsOnByDefaultAndCanBeTurnedOff() throws Exception {
        assertThat(loader.load(null, Map.of()).coap().keepDtlsSessions()).isTrue();
        assertThat(loader.load(null, Map.of("EDGEAUTH_COAP_KEEP_DTLS_SESSIONS", "false")).coap().keepDtlsSessions()).isFalse();
        assertThatThrownBy(() -> loader.load(write("coap:\n  keepDtlsSessions: sometimes\n"), Map.of()))
                .hasMessageContaining("keepDtlsSessions");
    }

    @Test
    void coapNotificationMaxAgeIsReadAndBounded() throws Exception {
        BrokerConfig defaults = loader.load(null, Map.of());
        assertThat(EdgeSettings.coap(defaults, dir).notificationMaxAge()).isEqualTo(Duration.ofSeconds(60));
        BrokerConfig set = loader.load(write("coap:\n  notificationMaxAge: 10m\n  commandRetention: 10m\n"), Map.of());
        assertThat(EdgeSettings.coap(set, dir).notificationMaxAge()).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> loader.load(write("coap:\n  notificationMaxAge: 0s\n"), Map.of()))
                .hasMessageContaining("coap.notificationMaxAge: must be 1s..24h");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_NOTIFICATION_MAX_AGE", "2d")))
                .hasMessageContaining("coap.notificationMaxAge");
        // a device that missed a notification comes back only after Max-Age: a shorter retention would drop its commands
        assertThatThrownBy(() -> loader.load(write("coap:\n  notificationMaxAge: 10m\n  commandRetention: 2m\n"), Map.of()))
                .hasMessageContaining("coap.commandRetention: must be 0s or at least coap.notificationMaxAge (600s)");
        BrokerConfig both = loader.load(write("coap:\n  notificationMaxAge: 10m\n  commandRetention: 15m\n"), Map.of());
        assertThat(EdgeSettings.coap(both, dir).commandRetention()).isEqualTo(Duration.ofMinutes(15));
        assertThatThrownBy(() -> io.edgeauth.broker.coap.CoapSettings.defaults().toBuilder()
                .notificationMaxAge(Duration.ofMinutes(10)).build()).hasMessageContaining("commandRetention");
    }

    @Test
    void aCrlWithoutTheListenerAndTrustStoreItBelongsToIsRefused() throws Exception {
        assertThatThrownBy(() -> loader.load(write("mqtt:\n  crl: devices.crl\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.crl").hasMessageContaining("mqtt.trustStore");
        assertThatThrownBy(() -> loader.load(write("coap:\n  crl: devices.crl\n  trustStore: cas.pem\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("coap.crl").hasMessageContaining("coap.keyStore");
        assertThat(loader.load(write("mqtt:\n  tlsPort: 8883\n  keyStore: s.p12\n  trustStore: cas.pem\n  crl: devices.crl\n"), Map.of())
                .mqtt().crl()).hasToString("devices.crl");
    }

    @Test
    void emptyFileIsTheDefaults() throws Exception {
        assertThat(loader.load(write(""), Map.of()).http().port()).isEqualTo(8080);
    }

    @Test
    void oversizedFileIsRefused() throws Exception {
        Path f = write("# " + "x".repeat(2 << 20));
        assertThatThrownBy(() -> loader.load(f, Map.of())).hasMessageContaining("larger than 1 MiB");
    }

    private Path write(String text) throws Exception {
        Path f = Files.createTempFile(dir, "cfg", ".yaml");
        Files.writeString(f, text);
        return f;
    }
}
