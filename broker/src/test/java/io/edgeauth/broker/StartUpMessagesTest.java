package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up messages say why, and the banner's hint works (tour C, C12). */
class StartUpMessagesTest {
    @TempDir
    Path dir;

    /** With http.host set and publicUrl empty, the hint pointed at localhost, where nothing listened. */
    @Test
    void theBannerHintUsesTheListenHost() {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_MQTT_PORT", "-1",
                "EDGEAUTH_COAP_PORT", "-1")))) {
            String banner = BrokerCli.Run.banner(broker);
            String node = "http://127.0.0.1:" + broker.httpPort();
            assertThat(banner).contains("HTTP   " + node).contains("\" " + node + "/admin/devices/<id>")
                    .contains("public URL (issuer, token audience) http://localhost:" + broker.httpPort());
        }
    }

    /**
     * A credential created by this start is printed once: the banner goes to standard output, which also carries the
     * audit log by default and is often kept (journal, container log); the hint names it as {@code $ADMIN} instead of
     * repeating it (tour AA, AA3: it was printed twice, the second time inside a curl example).
     */
    @Test
    void aNewAdminCredentialIsPrintedOnceAndTheHintDoesNotRepeatIt() {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_MQTT_PORT", "-1",
                "EDGEAUTH_COAP_PORT", "-1")))) {
            String credential = broker.newAdminCredential().orElseThrow();
            String banner = BrokerCli.Run.banner(broker);
            assertThat(banner.split(java.util.regex.Pattern.quote(credential), -1)).as(banner).hasSize(2);
            assertThat(banner).contains("Bearer $ADMIN");
        }
    }

    @Test
    void aDataDirThatIsAFileSaysSo() throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        assertThatThrownBy(() -> Broker.start(TestBrokers.config(file)).close())
                .hasMessageContaining("afile").hasMessageContaining("not a directory");
    }

    @Test
    void anUnresolvableHostIsNamedNotNull() {
        assertThatThrownBy(() -> Broker.start(TestBrokers.config(dir.resolve("d2"), Map.of("EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_MQTT_HOST", "no-such-host.invalid"))).close())
                .hasMessageContaining("mqtt.port").hasMessageNotContaining("failed: null")
                .hasMessageContaining("no-such-host.invalid");
    }
}
