package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two listeners on one port and host are refused naming both keys: HTTP and HTTPS on one port shared a socket
 * (half the connections failed TLS), two CoAP endpoints on one UDP port left one of them unbound.
 */
class PortClashConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void httpsOnTheHttpPortIsRefused() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_PORT", "24350",
                "EDGEAUTH_HTTP_TLS_PORT", "24350", "EDGEAUTH_HTTP_TLS_KEY_STORE", "srv.p12")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.tls.port: 24350 is also http.port");
    }

    @Test
    void coapAndDtlsOnOnePortAreRefused() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_PORT", "24103",
                "EDGEAUTH_COAP_DTLS_PORT", "24103")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("coap.dtlsPort: 24103 is also coap.port");
    }

    @Test
    void tcpListenersOfDifferentProtocolsClashOnAnOverlappingHost() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_PORT", "8080")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.port: 8080 is also http.port");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_HOST", "127.0.0.1",
                "EDGEAUTH_MQTT_WEBSOCKET_PORT", "8080"))) // 0.0.0.0 covers 127.0.0.1
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.websocketPort: 8080 is also http.port");
    }

    @Test
    void distinctHostsAnyPortAndOtherTransportsDoNotClash() {
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_HOST", "127.0.0.1", "EDGEAUTH_MQTT_HOST", "127.0.0.2",
                "EDGEAUTH_MQTT_PORT", "8080"))).doesNotThrowAnyException();
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_PORT", "0", "EDGEAUTH_MQTT_PORT", "0",
                "EDGEAUTH_COAP_PORT", "0", "EDGEAUTH_COAP_DTLS_PORT", "0"))).doesNotThrowAnyException();
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_PORT", "5683"))).doesNotThrowAnyException();
    }
}
