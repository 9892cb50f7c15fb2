package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Mutated and random input: the parser and verifier throw nothing but SiweException. */
class HostileInputTest {
    private static final String BASE = "https://service.org wants you to sign in with your Ethereum account:\n"
            + "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\nI accept the ServiceOrg Terms of Service: https://service.org/tos\n\n"
            + "URI: https://[::cafe]:8080/login?x=1#f\nVersion: 1\nChain ID: 1\nNonce: 32891757\n"
            + "Issued At: 2021-09-30T16:25:24.000+02:00\nExpiration Time: 2100-01-01T00:00:00Z\n"
            + "Not Before: 2021-09-30T16:25:24Z\nRequest ID: id-1\nResources:\n- ipfs://Qme7ss\n- https://example.com/a";
    private static final String ALPHABET = "\n :/-.@[]%0123456789abcdefxyzABCDEFXYZ#?\u0000\r\t\u00e9\ud83d\ude00";

    @Test
    void baseParsesAndRoundTrips() throws Exception {
        assertThat(SiweParser.parse(BASE).toMessageString()).isEqualTo(BASE);
    }

    @Test
    void mutationsNeverThrowAnythingElse() {
        SplittableRandom rnd = new SplittableRandom(1);
        SiweConfig config = SiweConfig.builder().allowDomain("service.org").allowOrigin("https://[::cafe]:8080")
                .allowChainId(1).build();
        SiweVerifier verifier = new SiweVerifier(config, new InMemoryNonceStore(), SignatureRecoveries.best(), null);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder(BASE);
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int pos = rnd.nextInt(b.length() + 1);
                char c = ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
                switch (rnd.nextInt(4)) {
                    case 0:
                        b.insert(pos, c);
                        break;
                    case 1:
                        if (pos < b.length()) {
                            b.deleteCharAt(pos);
                        }
                        break;
                    case 2:
                        if (pos < b.length()) {
                            b.setCharAt(pos, c);
                        }
                        break;
                    default:
                        // cut the message or repeat a chunk
                        b.setLength(Math.min(b.length(), pos));
                }
            }
            String text = b.toString();
            try {
                SiweParser.parse(text);
                accepted++;
            } catch (SiweException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
            try {
                verifier.verify(text, "0x" + "ab".repeat(rnd.nextInt(70)));
            } catch (SiweException expected) {
                assertThat(expected.code()).isNotNull();
            }
        }
        assertThat(accepted).isGreaterThan(100); // some mutations stay valid (e.g. in the statement)
    }

    @Test
    void randomGarbageAndSizes() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < 2_000; i++) {
            char[] c = new char[rnd.nextInt(600)];
            for (int k = 0; k < c.length; k++) {
                c[k] = (char) rnd.nextInt(0x3000);
            }
            try {
                SiweParser.parse(new String(c));
            } catch (SiweException expected) {
                assertThat(expected.code()).isNotNull();
            }
        }
        for (int size : new int[] {8 * 1024 + 1, 64 * 1024, 1024 * 1024}) {
            try {
                SiweParser.parse("x".repeat(size));
                throw new AssertionError("accepted " + size);
            } catch (SiweException e) {
                assertThat(e.code()).isEqualTo(SiweErrorCode.MESSAGE_TOO_LARGE);
            }
        }
        try {
            SiweParser.parse(null);
        } catch (SiweException e) {
            assertThat(e.code()).isEqualTo(SiweErrorCode.MALFORMED_MESSAGE);
        }
    }

    @Test
    void olderDraftWithoutStatementIsExplained() {
        String old = "service.org wants you to sign in with your Ethereum account:\n"
                + "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\nURI: https://service.org/login\nVersion: 1\n"
                + "Chain ID: 1\nNonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z";
        try {
            SiweParser.parse(old);
            throw new AssertionError("accepted");
        } catch (SiweException e) {
            assertThat(e.code()).isEqualTo(SiweErrorCode.MALFORMED_MESSAGE);
            assertThat(e.getMessage()).contains("two empty lines");
        }
        // a trailing line feed is refused too: the signature covers the exact bytes
        try {
            SiweParser.parse(BASE + "\n");
            throw new AssertionError("accepted");
        } catch (SiweException e) {
            assertThat(e.getMessage()).contains("trailing line feed");
        }
    }

    @Test
    void customLimit() throws Exception {
        SiweParser small = new SiweParser(512);
        assertThat(small.parseMessage(BASE).nonce()).isEqualTo("32891757");
        try {
            small.parseMessage(BASE + "\n- https://example.com/" + "x".repeat(512));
            throw new AssertionError("accepted");
        } catch (SiweException e) {
            assertThat(e.code()).isEqualTo(SiweErrorCode.MESSAGE_TOO_LARGE);
        }
        assertThat(Duration.ofSeconds(1)).isPositive();
    }
}
