package io.edgeauth.broker.token;

import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.refusal.RejectionReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code cnf} naming a confirmation method the broker does not check ({@code kid}, {@code jku}, an Encrypted_COSE_Key,
 * ...), or none at all, is refused ({@code binding_mismatch}) in JWT and CWT alike: it used to read as "no cnf", so a token its
 * issuer had bound to a key was taken as a bearer token, even on a channel that proved another key (tour J, J1).
 */
class UncheckedConfirmationTest {
    private static final String JKT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    private static final String JWK = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"18wHLeIgW9wVN6VD1Txgpqy2LszYkMf6J8njVAibvhM\","
            + "\"y\":\"-V4dS4UaLMgP_4fY4j8ir7cl1TXlFdAgcx55o7TkcSA\"}";

    @TempDir
    Path data;
    private AcmeIssuer acme;
    private BrokerTokenVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        acme = new AcmeIssuer(data);
        verifier = acme.verifier;
    }

    @Test
    void aJwtCnfWithAMethodTheBrokerDoesNotCheckIsRefused() throws Exception {
        for (String cnf : List.of("{\"kid\":\"device-key-1\"}", "{\"jku\":\"https://x/jwks\"}",
                "{}", "{\"jkt\":null}", "{\"jkt\":\"" + JKT + "\",\"jwk\":" + JWK + "}")) {
            assertReason(() -> verifier.verify(jwt(",\"cnf\":" + cnf)), RejectionReason.BINDING_MISMATCH);
        }
    }

    @Test
    void aCwtCnfWithAMethodTheBrokerDoesNotCheckIsRefused() throws Exception {
        for (CBORObject cnf : List.of(CBORObject.NewMap().Add(2, new byte[16]), CBORObject.NewMap(),
                CBORObject.NewMap().Add("jkt", JKT).Add(1, coseKey()))) {
            assertReason(() -> verifier.verify(cwt(cnf)), RejectionReason.BINDING_MISMATCH);
        }
    }

    /**
     * J7: a key by value ({@code jwk}, a COSE_Key) is its RFC 7638 thumbprint, checked as {@code jkt} is; J1 had refused
     * them (before that they read as no binding). A key that is none (a point off the curve, a private key) is malformed.
     */
    @Test
    void aKeyByValueIsCheckedAsItsThumbprint() throws Exception {
        String thumbprint = com.nimbusds.jose.jwk.JWK.parse(JWK).computeThumbprint().toString();
        assertThat(verifier.verify(jwt(",\"cnf\":{\"jwk\":" + JWK + "}")).cnf()).isEqualTo(new Confirmation(null, thumbprint));
        assertThat(verifier.verify(jwt(",\"cnf\":{\"jkt\":\"" + thumbprint + "\",\"jwk\":" + JWK + "}")).cnf())
                .isEqualTo(new Confirmation(null, thumbprint));
        assertThat(verifier.verify(cwt(CBORObject.NewMap().Add(1, coseKey()))).cnf())
                .isEqualTo(new Confirmation(null, thumbprint));
        CBORObject offCurve = CBORObject.NewMap().Add(1, 2).Add(-1, 1).Add(-2, new byte[32]).Add(-3, new byte[32]);
        assertReason(() -> verifier.verify(cwt(CBORObject.NewMap().Add(1, offCurve))), RejectionReason.MALFORMED);
        String privateJwk = JWK.replace("}", ",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}");
        assertReason(() -> verifier.verify(jwt(",\"cnf\":{\"jwk\":" + privateJwk + "}")), RejectionReason.MALFORMED);
    }

    /** The COSE_Key of {@link #JWK}. */
    private static CBORObject coseKey() throws Exception {
        com.nimbusds.jose.jwk.ECKey ec = com.nimbusds.jose.jwk.ECKey.parse(JWK);
        return CBORObject.NewMap().Add(1, 2).Add(-1, 1).Add(-2, ec.getX().decode()).Add(-3, ec.getY().decode());
    }

    @Test
    void theMethodsTheBrokerChecksAreStillRead() throws Exception {
        assertThat(verifier.verify(jwt(",\"cnf\":{\"jkt\":\"" + JKT + "\"}")).cnf()).isEqualTo(new Confirmation(null, JKT));
        assertThat(verifier.verify(jwt(",\"cnf\":{\"x5t#S256\":\"" + JKT + "\",\"jkt\":\"" + JKT + "\"}")).cnf())
                .isEqualTo(new Confirmation(JKT, JKT));
        assertThat(verifier.verify(jwt("")).cnf()).isEqualTo(Confirmation.NONE);
        assertThat(verifier.verify(jwt(",\"cnf\":null")).cnf()).isEqualTo(Confirmation.NONE);
        assertThat(verifier.verify(cwt(CBORObject.NewMap().Add("jkt", JKT))).cnf()).isEqualTo(new Confirmation(null, JKT));
        assertThat(verifier.verify(cwt(CBORObject.NewMap().Add(3, new byte[] {1, 2, 3}))).cnf())
                .isEqualTo(new Confirmation(null, "AQID"));
        assertThat(verifier.verify(cwt(null)).cnf()).isEqualTo(Confirmation.NONE);
    }

    private byte[] jwt(String extra) throws Exception {
        long now = acme.clock.instant().getEpochSecond();
        String claims = "{\"iss\":\"" + AcmeIssuer.ISS + "\",\"sub\":\"dev-1\",\"aud\":\"" + AcmeIssuer.AUD + "\",\"iat\":" + now + ",\"exp\":"
                + (now + 300) + extra + "}";
        String header = "{\"alg\":\"ES256\",\"kid\":\"" + acme.kid() + "\"}";
        String input = TestSupport.b64u(header) + "." + TestSupport.b64u(claims);
        byte[] s = acme.sig.sign(TokenAlgorithm.ES256, acme.store.activeKey("acme").privateKey(), input.getBytes(StandardCharsets.US_ASCII));
        return (input + "." + TestSupport.b64u(s)).getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] cwt(CBORObject cnf) throws Exception {
        return acme.cwt(8, cnf);
    }
}
