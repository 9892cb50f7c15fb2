package io.edgeauth.wallet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the RFC 3986 recogniser. Whatever it accepts as a URI is plain ASCII, has a scheme, and
 * parses with {@code java.net.URI} (an RFC 2396 parser, stricter in places, never looser) to the same
 * scheme; an authority it accepts is one {@code java.net.URI} can hold as the authority of a URI. It
 * never throws. Seeds: the URIs and resources of the SIWE vectors.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class Rfc3986FuzzTest {
    @FuzzTest(maxDuration = "10s")
    void isUri(byte[] input) {
        String s = new String(input, StandardCharsets.UTF_8);
        boolean uri = Rfc3986.isUri(s);
        boolean authority = Rfc3986.isAuthority(s);
        Rfc3986.isPcharRun(s);
        if (uri) {
            assertThat(s.chars().allMatch(c -> c > 0x20 && c < 0x7f)).as("non-ASCII in %s", s).isTrue();
            int colon = s.indexOf(':');
            assertThat(Rfc3986.isScheme(s.substring(0, colon))).isTrue();
            URI parsed = parseOrNull(s);
            if (parsed != null) {
                assertThat(parsed.getScheme()).isEqualTo(s.substring(0, colon));
            }
        }
        if (authority) {
            assertThat(s.chars().allMatch(c -> c > 0x20 && c < 0x7f)).as("non-ASCII in %s", s).isTrue();
            assertThat(s).doesNotContain("/", "?", "#");
        }
    }

    private static URI parseOrNull(String s) {
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            return null; // RFC 2396 refuses some RFC 3986 forms (e.g. IPvFuture, some brackets)
        }
    }
}
