package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.edgeauth.wallet.internal.MessageReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the EIP-4361 parser below its defence-in-depth catch ({@link MessageReader} directly), so an
 * unexpected exception is a finding rather than a {@code MALFORMED_MESSAGE}. Every accepted message
 * must render back to exactly the text that was parsed: the text a wallet signs and the fields the
 * verifier checks can never disagree. Seeds: the EIP-4361 examples and spruceid's parsing vectors.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class SiweParserFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void parse(byte[] input) throws SiweException {
        String text = new String(input, StandardCharsets.UTF_8);
        SiweMessage parsed;
        try {
            parsed = MessageReader.read(text);
        } catch (SiweException refused) {
            assertThat(refused.code()).isNotNull();
            return;
        }
        assertThat(parsed.toBuilder().build().toMessageString()).isEqualTo(text);
        assertThat(SiweParser.parse(text)).isEqualTo(parsed);
    }
}
