package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code coap.maxSessions} is bounded by what the DTLS connection store really holds (5,000,000), not cut to it. */
class CoapMaxSessionsConfigTest {
    @TempDir
    Path dir;

    @Test
    void aboveTheConnectionStoreBoundIsRefused() {
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("EDGEAUTH_COAP_MAX_SESSIONS", "5000001")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("coap.maxSessions: expected 1 to 5000000");
        BrokerConfig c = new ConfigLoader().load(null, Map.of("EDGEAUTH_COAP_MAX_SESSIONS", "5000000"));
        assertThat(EdgeSettings.coap(c, dir).maxSessions()).isEqualTo(5_000_000);
    }
}
