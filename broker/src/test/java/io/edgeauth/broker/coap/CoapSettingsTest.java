package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.config.EdgeSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoapSettingsTest {
    @Test
    void settingsReachCaliforniumAndScandium() throws Exception {
        CoapSettings s = CoapSettings.defaults().withPsk(EdgeFixture.MASTER).withPorts("127.0.0.1", 0, 0)
                .withSockets(1 << 20, 1 << 19, 5000, 4).withLimits(1000, 32 * 1024, 2048)
                .withDeduplicator(CoapSettings.Deduplicator.PEERS_MARK_AND_SWEEP, 6)
                .withDedupLifetime(Duration.ofSeconds(90));
        Configuration c = CoapEdge.configuration(s);
        assertThat(c.get(CoapConfig.DEDUPLICATOR)).isEqualTo(CoapConfig.DEDUPLICATOR_PEERS_MARK_AND_SWEEP);
        assertThat(c.get(CoapConfig.PEERS_MARK_AND_SWEEP_MESSAGES)).isEqualTo(6);
        assertThat(c.get(CoapConfig.EXCHANGE_LIFETIME, TimeUnit.SECONDS)).isEqualTo(90);
        assertThat(c.get(CoapConfig.MAX_RESOURCE_BODY_SIZE)).isEqualTo(32 * 1024);
        assertThat(c.get(CoapConfig.MAX_ACTIVE_PEERS)).isEqualTo(5000);
        assertThat(c.get(UdpConfig.UDP_RECEIVE_BUFFER_SIZE)).isEqualTo(1 << 20);
        assertThat(c.get(UdpConfig.UDP_SEND_BUFFER_SIZE)).isEqualTo(1 << 19);
        DtlsConnectorConfig d = CoapEdge.dtlsConfig(s, new Configuration(c));
        assertThat(d.getConfiguration().get(DtlsConfig.DTLS_CONNECTION_ID_LENGTH)).isEqualTo(4);
        assertThat(d.getConfiguration().get(DtlsConfig.DTLS_MAX_CONNECTIONS)).isEqualTo(5000);
        assertThat(d.getConfiguration().get(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE)).isEqualTo(1 << 20);
        assertThat(d.getAdvancedPskStore()).isInstanceOf(DerivedPskStore.class);
        assertThat(s.toString()).doesNotContain(new String(EdgeFixture.MASTER));
    }

    @Test
    void refusesInconsistentSettings() {
        assertThatThrownBy(() -> CoapSettings.defaults().withPorts("127.0.0.1", 0, 0))
                .hasMessageContaining("DTLS needs");
        assertThatThrownBy(() -> CoapSettings.defaults().withPsk(new byte[4]))
                .hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> CoapSettings.defaults().withLimits(10, 1024, 4096))
                .hasMessageContaining("maxTokenBytes");
        assertThatThrownBy(() -> CoapSettings.defaults().withPorts("127.0.0.1", 70000, -1))
                .hasMessageContaining("ports");
        assertThat(CoapSettings.defaults().withDeduplicator(CoapSettings.Deduplicator.NONE, 1).deduplicator())
                .isEqualTo(CoapSettings.Deduplicator.NONE);
        assertThat(CoapEdge.configuration(CoapSettings.defaults()
                .withDeduplicator(CoapSettings.Deduplicator.CROP_ROTATION, 1)).get(CoapConfig.DEDUPLICATOR))
                .isEqualTo(CoapConfig.DEDUPLICATOR_CROP_ROTATION);
        assertThat(List.of(CoapSettings.Deduplicator.values())).hasSize(4);
    }

    @Test
    void dedupWindowDefaultsTo60sAndNeverMissesTheRetransmissionSpan() {
        CoapSettings defaults = CoapSettings.defaults();
        assertThat(defaults.dedupMessagesPerPeer()).isEqualTo(4);
        assertThat(defaults.dedupLifetime()).isEqualTo(Duration.ofSeconds(60));
        assertThat(CoapEdge.configuration(defaults).get(CoapConfig.EXCHANGE_LIFETIME, TimeUnit.MILLISECONDS))
                .isEqualTo(60_000L);
        // MAX_TRANSMIT_SPAN of Californium's own defaults: a shorter window would miss retransmissions
        Configuration library = new Configuration(CoapConfig.DEFINITIONS);
        double span = library.get(CoapConfig.ACK_TIMEOUT, TimeUnit.MILLISECONDS)
                * library.get(CoapConfig.ACK_INIT_RANDOM) * ((1 << library.get(CoapConfig.MAX_RETRANSMIT)) - 1);
        assertThat(CoapSettings.MIN_DEDUP_LIFETIME.toMillis()).isGreaterThanOrEqualTo((long) span);
        assertThatThrownBy(() -> defaults.withDedupLifetime(Duration.ofSeconds(30)))
                .hasMessageContaining("dedupLifetime");
        assertThatThrownBy(() -> defaults.withDedupLifetime(Duration.ofHours(2)))
                .hasMessageContaining("dedupLifetime");
    }

    @Test
    void dedupWindowComesFromTheBrokerConfig(@TempDir Path dataDir) {
        ConfigLoader loader = new ConfigLoader();
        BrokerConfig defaults = loader.load(null, Map.of());
        assertThat(EdgeSettings.coap(defaults, dataDir).dedupLifetime()).isEqualTo(Duration.ofSeconds(60));
        BrokerConfig longer = loader.load(null, Map.of("EDGEAUTH_COAP_DEDUP_LIFETIME", "247s"));
        assertThat(EdgeSettings.coap(longer, dataDir).dedupLifetime()).isEqualTo(Duration.ofSeconds(247));
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_COAP_DEDUP_LIFETIME", "20s")))
                .hasMessageContaining("coap.dedupLifetime");
    }
}
