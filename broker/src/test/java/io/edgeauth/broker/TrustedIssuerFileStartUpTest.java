package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code trustedIssuers[].jwksFile} that cannot work stops start-up naming the key, as the fleet-CA and enrollment
 * group files do: it used to pass with one WARN, and every token of the issuer was refused {@code unknown_key}.
 */
class TrustedIssuerFileStartUpTest {
    @TempDir
    Path dir;

    @Test
    void aFileThatIsNotAUsableJwksStopsStartUp() throws Exception {
        String[] contents = {"{\"keys\": \"nope\"}", "not json", "{\"keys\": []}",
            "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"s\", \"k\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}"};
        for (int i = 0; i < contents.length; i++) {
            Path file = Files.writeString(dir.resolve("jwks-" + i + ".json"), contents[i]);
            Map<String, String> env = Map.of("EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1",
                    "EDGEAUTH_TRUSTED_ISSUERS", "[{issuer: \"https://idp.example\", jwksFile: \"" + file + "\"}]");
            Path data = dir.resolve("data-" + i);
            assertThatThrownBy(() -> Broker.start(TestBrokers.config(data, env)).close())
                    .as(contents[i]).hasMessageContaining("trustedIssuers[0].jwksFile");
        }
    }
}
