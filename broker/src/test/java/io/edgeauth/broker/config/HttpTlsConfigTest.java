package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code http.tls}: off by default; a listener without its key store, a bad clientAuth, a CRL without CAs refused by name. */
class HttpTlsConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void offByDefault() {
        BrokerConfig.HttpTls tls = loader.load(null, Map.of()).http().tls();
        assertThat(tls.port()).isEqualTo(-1);
        assertThat(tls.clientAuth()).isEqualTo("request");
    }

    @Test
    void aListenerNeedsItsKeyStore() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_TLS_PORT", "8443")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.port: the HTTPS listener needs http.tls.keyStore");
    }

    @Test
    void clientAuthIsRequestOrRequired() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_TLS_CLIENT_AUTH", "none")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.tls.clientAuth: expected request or required, got 'none'");
    }

    @Test
    void aCrlNeedsTheTrustStore() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_TLS_CRL", "devices.crl")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.crl: a CRL needs http.tls.trustStore");
    }

    @Test
    void aPortOutOfRangeIsNamed() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_TLS_PORT", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.port: expected a port");
    }
}
