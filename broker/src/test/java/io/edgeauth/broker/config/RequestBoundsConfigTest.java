package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounds of tour Y, Y10 ({@code tokenRequests}), their per-client keys for service clients and wallets, and tour Z,
 * Z7 ({@code http.adminFailuresPerAddressPerMinute}): their defaults, values out of range refused naming the key and the
 * range, and a burst set while its bound is off refused as a setting nothing would read.
 */
class RequestBoundsConfigTest {
    @TempDir
    Path dir;
    private final ConfigLoader loader = new ConfigLoader();

    private BrokerConfig load(String... keyValues) {
        Map<String, String> env = new HashMap<>(Map.of("EDGEAUTH_DATA_DIR", dir.toString()));
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return loader.load(null, env);
    }

    @Test
    void theDefaultsBoundDevicesNotAddresses() {
        BrokerConfig c = load();
        assertThat(c.tokenRequests().perDeviceBurst()).isEqualTo(20);
        assertThat(c.tokenRequests().perDevicePerMinute()).isEqualTo(20);
        assertThat(c.tokenRequests().perAddressPerMinute()).as("off: fleets behind one NAT address").isZero();
        assertThat(c.http().adminFailuresPerAddressPerMinute()).isEqualTo(20);
    }

    @Test
    void servicesAndWalletsAreBoundedByDefaultMoreGenerouslyThanDevices() {
        BrokerConfig c = load();
        assertThat(c.tokenRequests().perClientBurst()).as("room for a service's instances starting at once").isEqualTo(60);
        assertThat(c.tokenRequests().perClientPerMinute()).isEqualTo(60);
        assertThat(load("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_BURST", "500", "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE",
                "120").tokenRequests()).extracting(BrokerConfig.TokenRequests::perClientBurst,
                BrokerConfig.TokenRequests::perClientPerMinute).containsExactly(500, 120);
    }

    @Test
    void perClientValuesOutOfRangeAreRefusedByName() {
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_BURST", "0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokenRequests.perClientBurst: expected 1 to");
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_BURST", "1000001"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokenRequests.perClientBurst: expected 1 to");
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "-1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokenRequests.perClientPerMinute: expected 0 to");
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "many"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("perClientPerMinute");
    }

    @Test
    void aPerClientBurstForAnAbsentBoundIsRefused() {
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "0",
                "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_BURST", "100")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tokenRequests.perClientBurst").hasMessageContaining("perClientPerMinute is 0");
        assertThat(load("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "0").tokenRequests().perClientPerMinute())
                .as("off, with the burst at its default").isZero();
    }

    @Test
    void valuesOutOfRangeAreRefusedByName() {
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_BURST", "0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokenRequests.perDeviceBurst: expected 1 to");
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_PER_MINUTE", "-1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokenRequests.perDevicePerMinute: expected 0 to");
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_ADDRESS_PER_MINUTE", "100000001"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokenRequests.perAddressPerMinute: expected 0 to");
        assertThatThrownBy(() -> load("EDGEAUTH_HTTP_ADMIN_FAILURES_PER_ADDRESS_PER_MINUTE", "-5"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.adminFailuresPerAddressPerMinute: expected 0 to");
    }

    @Test
    void aBurstForAnAbsentBoundIsRefused() {
        assertThatThrownBy(() -> load("EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_PER_MINUTE", "0",
                "EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_BURST", "50")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tokenRequests.perDeviceBurst").hasMessageContaining("perDevicePerMinute is 0");
        assertThat(load("EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_PER_MINUTE", "0").tokenRequests().perDevicePerMinute())
                .as("off, with the burst at its default").isZero();
    }
}
