package io.edgeauth.broker.tls;

import static io.edgeauth.broker.tls.TlsTestFiles.OPENSSL;
import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.config.ConfigException;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trust store that reads as empty stops the broker's start with the file and the likely cause named, for MQTT mTLS
 * and for DTLS, instead of serving with zero trust anchors. Skips without openssl (it writes the empty-reading
 * store), unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true.
 */
class TlsStartUpTest {
    @TempDir
    Path dir;
    private Path emptyReading;
    private Path serverStore;

    @BeforeEach
    void files() throws Exception {
        assumeTrue(TlsTestFiles.opensslPresent(), "openssl not installed");
        FleetPki ca = new FleetPki("device CA");
        TlsTestFiles.pem(dir.resolve("ca.pem"), ca.caCertificate());
        TlsTestFiles.run(dir, new byte[0], List.of(OPENSSL.toString(), "pkcs12", "-export", "-nokeys", "-in", "ca.pem",
                "-out", "trust.p12", "-passout", "pass:" + PASS));
        emptyReading = dir.resolve("trust.p12");
        serverStore = TlsTestFiles.pkcs12(dir.resolve("server.p12"), TlsTestFiles.server(ca));
        Files.createDirectories(dir.resolve("data"));
    }

    @Test
    void mqttMutualTlsWithAnEmptyReadingTrustStoreDoesNotStart() {
        Map<String, String> env = Map.of("EDGEAUTH_MQTT_TLS_PORT", "0", "EDGEAUTH_MQTT_KEY_STORE", serverStore.toString(),
                "EDGEAUTH_MQTT_KEY_STORE_PASSWORD", PASS, "EDGEAUTH_MQTT_TRUST_STORE", emptyReading.toString(),
                "EDGEAUTH_MQTT_TRUST_STORE_PASSWORD", PASS, "EDGEAUTH_MQTT_CLIENT_AUTH", "required");
        assertThatThrownBy(() -> Broker.start(TestBrokers.config(dir.resolve("data"), env)).close())
                .hasMessageContaining("mqtt.trustStore").hasMessageContaining(emptyReading.toString())
                .hasMessageContaining("pkcs12 -export -nokeys");
    }

    @Test
    void dtlsWithAnEmptyReadingTrustStoreDoesNotStart() {
        Map<String, String> env = Map.of("EDGEAUTH_COAP_DTLS_PORT", "0", "EDGEAUTH_COAP_KEY_STORE", serverStore.toString(),
                "EDGEAUTH_COAP_KEY_STORE_PASSWORD", PASS, "EDGEAUTH_COAP_TRUST_STORE", emptyReading.toString(),
                "EDGEAUTH_COAP_TRUST_STORE_PASSWORD", PASS);
        assertThatThrownBy(() -> Broker.start(TestBrokers.config(dir.resolve("data"), env)).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("coap.trustStore").hasMessageContaining(emptyReading.toString())
                .hasMessageContaining("pkcs12 -export -nokeys");
    }
}
