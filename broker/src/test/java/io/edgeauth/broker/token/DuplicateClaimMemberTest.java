package io.edgeauth.broker.token;

import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A JWT payload that names a member twice inside a nested object ({@code cnf}, {@code act}, any other) is refused
 * {@code malformed}, as one naming a claim twice at the top level already was: the last one used to win there, while
 * another reader of the same signed bytes may take the first (tour J, J2). Client assertions are read the same way.
 */
class DuplicateClaimMemberTest {
    private static final String JKT_A = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    private static final String JKT_B = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

    private static byte[] jwt(String payload) {
        return (TestSupport.b64u("{\"alg\":\"ES256\",\"kid\":\"k1\"}") + "." + TestSupport.b64u(payload) + ".AAAA")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static String claims(String extra) {
        return "{\"iss\":\"https://idp.test\",\"sub\":\"d1\",\"aud\":\"edgeauth\",\"iat\":1767261600,\"exp\":1767261900"
                + extra + "}";
    }

    @Test
    void aMemberNamedTwiceInANestedObjectIsRefused() {
        for (String extra : new String[] {
                ",\"cnf\":{\"jkt\":\"" + JKT_A + "\",\"jkt\":\"" + JKT_B + "\"}",
                ",\"act\":{\"sub\":\"svc-1\",\"sub\":\"svc-2\"}",
                ",\"act\":{\"sub\":\"svc-1\",\"act\":{\"sub\":\"a\",\"sub\":\"b\"}}",
                ",\"other\":{\"x\":1,\"x\":2}"}) {
            assertReason(() -> JwtDecoder.decode(jwt(claims(extra)), true), RejectionReason.MALFORMED);
            assertReason(() -> ClientAssertionVerifier.decode(new String(jwt(claims(extra)), StandardCharsets.US_ASCII)),
                    RejectionReason.MALFORMED);
        }
    }

    @Test
    void aClaimNamedTwiceAtTheTopLevelIsStillRefused() {
        assertReason(() -> JwtDecoder.decode(jwt(claims(",\"sub\":\"d2\"")), true), RejectionReason.MALFORMED);
    }

    @Test
    void nestedObjectsWithDistinctMembersAreStillRead() throws Exception {
        DecodedToken d = JwtDecoder.decode(jwt(claims(",\"cnf\":{\"jkt\":\"" + JKT_A + "\",\"x5t#S256\":\"" + JKT_B
                + "\"},\"act\":{\"sub\":\"svc-1\",\"act\":{\"sub\":\"svc-0\"}},\"other\":[{\"x\":1},{\"x\":2}]")), true);
        assertThat(d.claims().cnf()).isEqualTo(new Confirmation(JKT_B, JKT_A));
        assertThat(d.claims().actor()).isEqualTo("svc-1");
    }
}
