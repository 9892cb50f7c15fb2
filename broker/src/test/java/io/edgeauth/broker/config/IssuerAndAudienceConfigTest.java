package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Values that made the issuer or the audience meaningless: a publicUrl with a query or fragment (the issuer, RFC 8414
 * §2, has neither, and the endpoint URLs built on it did not work) and a blank or repeated audience (the first is
 * the one issued: tokens carried "aud": "").
 */
class IssuerAndAudienceConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void aPublicUrlWithAQueryOrFragmentIsRefused() {
        for (String url : new String[] {"http://127.0.61.1:24280?tenant=x#frag", "https://b.example/x?t=1",
                "https://b.example#f"}) {
            assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_PUBLIC_URL", url)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("publicUrl");
        }
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_PUBLIC_URL", "https://b.example:8443/edge")))
                .doesNotThrowAnyException();
    }

    @Test
    void blankOrRepeatedAudiencesAreRefused() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_AUDIENCES", "[\"\"]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokens.audiences[0]");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_AUDIENCES", "[a, a]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokens.audiences[1]");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_AUDIENCES", "[a, \"  \"]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tokens.audiences[1]");
        assertThatCode(() -> loader.load(null, Map.of("EDGEAUTH_TOKENS_AUDIENCES", "[a, b]"))).doesNotThrowAnyException();
    }
}
