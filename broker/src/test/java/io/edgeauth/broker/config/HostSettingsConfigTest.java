package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Listen hosts and SIWE origins/domains are checked at start with the key named, not found broken while binding. */
class HostSettingsConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void badListenHostsAreRefusedByKey() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_HOST", "bad host")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.host: expected an IP address or a host name");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_HOST", "not a host")))
                .hasMessageContaining("coap.host: expected an IP address or a host name");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_HOST", "")))
                .hasMessageContaining("http.host: expected an IP address or a host name");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_HOST", "300.1.1.1")))
                .hasMessageContaining("http.host");
    }

    @Test
    void goodListenHostsLoad() {
        for (String host : new String[] {"0.0.0.0", "127.0.0.1", "::", "::1", "localhost", "edge-1.example.com"}) {
            assertThat(loader.load(null, Map.of("EDGEAUTH_MQTT_HOST", host, "EDGEAUTH_COAP_HOST", host,
                    "EDGEAUTH_HTTP_HOST", host)).mqtt().host()).isEqualTo(host);
        }
    }

    @Test
    void originsNeedASchemeAndHostAndDomainsAHost() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_WALLET_ORIGINS", "[example.com]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("wallet.origins[0]: expected scheme://host[:port]");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_WALLET_ORIGINS", "['https://example.com/app']")))
                .hasMessageContaining("wallet.origins[0]");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_WALLET_DOMAINS", "['https://example.com']")))
                .hasMessageContaining("wallet.domains[0]: expected host[:port]");
        BrokerConfig c = loader.load(null, Map.of("EDGEAUTH_WALLET_ORIGINS", "['https://example.com:8443', 'http://localhost']",
                "EDGEAUTH_WALLET_DOMAINS", "['example.com', 'localhost:8080']"));
        assertThat(c.wallet().origins()).hasSize(2);
    }
}
