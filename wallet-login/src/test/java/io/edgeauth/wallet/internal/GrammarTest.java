package io.edgeauth.wallet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 3986 and RFC 3339 recognisers on hand-picked edge cases. */
class GrammarTest {

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "example.com:8080", "user:pw@example.com:1", "127.0.0.1", "[::1]",
        "[::cafe]", "[2001:db8::7]:443", "[v1.fe80::a+en1]", "[::ffff:192.0.2.1]", "a%20b", "", "ex!$&'()*+,;=.com"})
    void authorities(String s) {
        assertThat(Rfc3986.isAuthority(s)).as(s).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"#notrfc4501", "exa mple.com", "example.com:80a", "[::1", "[1:2:3:4:5:6:7:8:9]",
        "[:::]", "[1::2::3]", "a%2", "a%zz", "ex/ample", "a@b@c", "[::1]x", "[1.2.3.4]"})
    void notAuthorities(String s) {
        assertThat(Rfc3986.isAuthority(s)).as(s).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.com", "https://[::cafe]", "https://127.0.0.1/?query=one#begin",
        "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/", "urn:isbn:0451450523",
        "did:pkh:eip155:1:0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "mailto:a@b.example", "x:"})
    void uris(String s) {
        assertThat(Rfc3986.isUri(s)).as(s).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {":not_a_rfc3986_valid_uri_", "example.com", "https://a b", "https://ex.com/a b",
        "1http://x", "https://[::1/", "https://x/%zz", "https://x/\u00e9", "", "//x"})
    void notUris(String s) {
        assertThat(Rfc3986.isUri(s)).as(s).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2021-09-30T16:25:24Z", "2021-09-30T16:25:24.000Z", "2021-09-30T16:25:24-02:00",
        "2021-09-30t16:25:24z", "2024-02-29T00:00:00.123456789+14:00",
        "2021-09-30T16:25:24.1234567890Z", "2026-12-07T01:00:00.123456789123Z"})
    void timestamps(String s) {
        assertThat(Rfc3339.parse(s)).as(s).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2022-02-31T17:09:38.578Z", "2023-02-29T00:00:00Z", "2021-09-30 16:25:24Z",
        "2021-09-30T16:25Z", "2021-09-30T16:25:24", "2021-09-30T16:25:24+0200", "2021-09-30T24:00:00Z",
        "2021-09-30T16:25:60Z", "2021-09-30T16:25:24.Z", "2021-09-30T16:25:24.12345678x0Z",
        "Wed Oct 05 2011 16:48:00 GMT+0200 (CEST)", "+12021-09-30T16:25:24Z"})
    void notTimestamps(String s) {
        assertThat(Rfc3339.parse(s)).as(s).isNull();
    }

    @org.junit.jupiter.api.Test
    void timestampValues() {
        assertThat(Rfc3339.parse("2021-09-30T16:25:24-02:00")).isEqualTo(Instant.parse("2021-09-30T18:25:24Z"));
        assertThat(Rfc3339.parse("2021-09-30T16:25:24.5Z")).isEqualTo(Instant.parse("2021-09-30T16:25:24.500Z"));
        // RFC 3339 time-secfrac is "." 1*DIGIT: digits beyond nanoseconds are read and truncated (tour W, W11)
        assertThat(Rfc3339.parse("2026-12-07T01:00:00.123456789999999999999+01:00"))
                .isEqualTo(Instant.parse("2026-12-07T00:00:00.123456789Z"));
    }

    @org.junit.jupiter.api.Test
    void eip55() {
        byte[] a = Hex.decode("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2");
        assertThat(Eip55.toChecksum(a)).isEqualTo("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2");
        assertThat(Eip55.isChecksummed("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2")).isTrue();
        assertThat(Eip55.isChecksummed("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2")).isFalse();
        assertThat(Eip55.isChecksummed("0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2")).isFalse();
        // EIP-55's own examples
        for (String s : new String[] {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
            assertThat(Eip55.isChecksummed(s)).as(s).isTrue();
            assertThat(Eip55.toChecksum(Hex.decode(s))).isEqualTo(s);
        }
    }
}
