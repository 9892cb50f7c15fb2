package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.wallet.SiweConfig;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tour I (I8): with {@code publicUrl} spelled with its scheme's default port ({@code https://h:443}), the accepted SIWE
 * domain was {@code h:443} and the origin {@code https://h:443}, but a browser's {@code location.host} and
 * {@code location.origin} (what /login puts in the message, and what wallets compare the domain with) leave that port
 * out: every login from the sign-in page was refused (domain_not_allowed).
 */
class SiweDefaultPortTest {
    private static SiweConfig siwe(String publicUrl) {
        BrokerConfig c = new ConfigLoader().load(null, Map.of("EDGEAUTH_PUBLIC_URL", publicUrl));
        return TokenAuthority.siweConfig(c, Clock.systemUTC());
    }

    @Test
    void aDefaultPortIsSpelledAsBrowsersSpellIt() {
        SiweConfig https = siwe("https://broker.example.com:443");
        assertThat(https.domains()).containsExactly("broker.example.com");
        assertThat(https.origins()).containsExactly("https://broker.example.com");
        SiweConfig http = siwe("http://broker.example.com:80");
        assertThat(http.domains()).containsExactly("broker.example.com");
        assertThat(http.origins()).containsExactly("http://broker.example.com");
    }

    @Test
    void otherPortsStay() {
        SiweConfig c = siwe("https://broker.example.com:8443");
        assertThat(c.domains()).containsExactly("broker.example.com:8443");
        assertThat(c.origins()).containsExactly("https://broker.example.com:8443");
        assertThat(siwe("http://broker.example.com:443").domains()).containsExactly("broker.example.com:443");
        assertThat(siwe("https://broker.example.com").domains()).containsExactly("broker.example.com");
    }
}
