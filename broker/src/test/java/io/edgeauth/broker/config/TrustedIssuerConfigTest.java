package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code trustedIssuers[]}: what the verifier can use for an outside issuer, and a JWKS file that can be read. */
class TrustedIssuerConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Map<String, String> issuer(String jwksFile, String algorithms) {
        return Map.of("EDGEAUTH_TRUSTED_ISSUERS", "[{issuer: https://idp.example, jwksFile: '" + jwksFile + "'"
                + (algorithms == null ? "" : ", algorithms: " + algorithms) + "}]");
    }

    private String jwks() throws Exception {
        Path f = dir.resolve("jwks.json");
        Files.writeString(f, "{\"keys\":[]}");
        return f.toString();
    }

    @Test
    void onlyThePublicKeyAlgorithmsTheVerifierHasAreAccepted() throws Exception {
        String file = jwks();
        for (String alg : new String[] {"PS256", "RS384", "RS512", "HS256"}) {
            assertThatThrownBy(() -> loader.load(null, issuer(file, "[ES256, " + alg + "]")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("trustedIssuers[0].algorithms")
                    .hasMessageContaining(alg);
        }
        assertThat(loader.load(null, issuer(file, "[ES256, ES384, ES512, EdDSA, RS256]")).trustedIssuers().get(0)
                .algorithms()).hasSize(5);
    }

    @Test
    void aJwksFileThatCannotBeReadIsRefused() throws Exception {
        assertThatThrownBy(() -> loader.load(null, issuer(dir.resolve("missing.json").toString(), null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("trustedIssuers[0].jwksFile")
                .hasMessageContaining("missing.json");
        assertThatThrownBy(() -> loader.load(null, issuer(dir.toString(), null)))
                .hasMessageContaining("trustedIssuers[0].jwksFile");
        assertThat(loader.load(null, issuer(jwks(), null)).trustedIssuers()).hasSize(1);
    }

    /**
     * Tour X, X8: a trusted issuer named like one of the broker's own tenant issuers started without a word and never
     * verified (the tenant's keys shadow it), and two entries for one issuer were not checked either.
     */
    @Test
    void aTrustedIssuerThatIsATenantsOwnIssuerOrNamedTwiceIsRefused() throws Exception {
        String file = jwks();
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_PUBLIC_URL", "https://broker.example",
                "EDGEAUTH_TRUSTED_ISSUERS", "[{issuer: 'https://broker.example', jwksFile: '" + file + "'}]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("trustedIssuers[0].issuer")
                .hasMessageContaining("tenant 'default'");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TENANTS",
                "[{id: default}, {id: t2, issuer: 'https://t2.example'}]",
                "EDGEAUTH_TRUSTED_ISSUERS", "[{issuer: 'https://t2.example', jwksFile: '" + file + "'}]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tenant 't2'");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TRUSTED_ISSUERS",
                "[{issuer: 'https://idp.example', jwksFile: '" + file + "'}, {issuer: 'https://idp.example', jwksFile: '"
                        + file + "'}]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("trustedIssuers[1].issuer")
                .hasMessageContaining("trustedIssuers[0]");
    }
}
