package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Keys;

/**
 * Tour I (I7): the wallet sign-in's refusal codes (audit {@code outcome}, metric label, the answer's
 * {@code error_description}) were enum names lower-cased in the JVM's default locale: on a host whose locale is Turkish,
 * {@code SIGNATURE_MISMATCH} became {@code sıgnature_mısmatch} (dotless i), so an alert on
 * {@code siwe.login signature_mismatch} or {@code reused_family_revoked} never fired there.
 */
class SiweOutcomeLocaleTest {
    @TempDir
    Path dir;

    @Test
    void refusalCodesAreTheSameInEveryLocale() throws Exception {
        Locale before = Locale.getDefault();
        Path audit = dir.resolve("audit.log");
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"),
                Map.of("EDGEAUTH_AUDIT_FILE", audit.toString())))) {
            String base = "http://localhost:" + broker.httpPort();
            var victim = Keys.createEcKeyPair();
            HttpResponse<String> forged = Wallets.siweAttempt(base, Wallets.address(victim), Keys.createEcKeyPair());
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(new JsonObject(forged.body()).getString("error_description")).startsWith("signature_mismatch: ");
        } finally {
            Locale.setDefault(before);
        }
        List<JsonObject> logins = Files.readAllLines(audit).stream().map(JsonObject::new)
                .filter(e -> "siwe.login".equals(e.getString("event"))).toList();
        assertThat(logins).extracting(e -> e.getString("outcome")).containsExactly("signature_mismatch");
    }
}
