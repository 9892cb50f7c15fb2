package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the claims of correctly signed tokens through the whole verifier: the fuzzer writes the JWT
 * payload JSON or the CWT claims CBOR, the target signs it with the verifier's HS256 key, so the
 * signature passes and every claim rule is exercised. Whatever the verifier accepts must be a token
 * it should accept (subject, unexpired, bounded lifetime, our audience, our tenant); it never throws
 * anything but a typed refusal. Seeds: claims of tokens the broker issues, and near misses.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class SignedClaimsFuzzTest {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final byte[] JWT_HEADER = B64.encode("{\"alg\":\"HS256\",\"kid\":\"hs\"}".getBytes(StandardCharsets.US_ASCII));

    @FuzzTest(maxDuration = "10s")
    void jwt(byte[] payload) throws Exception {
        String signingInput = new String(JWT_HEADER, StandardCharsets.US_ASCII) + "." + B64.encodeToString(payload);
        byte[] mac = FuzzFixtures.SIGNATURES.sign(TokenAlgorithm.HS256, FuzzFixtures.HS_KEY.key(),
                signingInput.getBytes(StandardCharsets.US_ASCII));
        verify((signingInput + "." + B64.encodeToString(mac)).getBytes(StandardCharsets.US_ASCII));
    }

    @FuzzTest(maxDuration = "10s")
    void cwt(byte[] claims) throws Exception {
        CBORObject prot = CBORObject.NewMap().Add(1, 5).Add(4, "hs".getBytes(StandardCharsets.US_ASCII)); // HMAC 256/256
        byte[] protBytes = prot.EncodeToBytes();
        byte[] tbs = CBORObject.NewArray().Add("MAC0").Add(protBytes).Add(new byte[0]).Add(claims).EncodeToBytes();
        byte[] mac = FuzzFixtures.SIGNATURES.sign(TokenAlgorithm.HS256, FuzzFixtures.HS_KEY.key(), tbs);
        byte[] token = CBORObject.FromObjectAndTag(
                CBORObject.NewArray().Add(protBytes).Add(CBORObject.NewMap()).Add(claims).Add(mac), 17).EncodeToBytes();
        verify(token);
    }

    /** The target reaches acceptance: the claims the broker issues, signed as the target signs them. */
    @Test
    void issuedClaimsAreAccepted() throws Exception {
        String claims = "{\"iss\":\"" + FuzzFixtures.ISS + "\",\"sub\":\"dev-1\",\"aud\":\"" + FuzzFixtures.AUD
                + "\",\"iat\":" + (FuzzFixtures.NOW.getEpochSecond() - 10) + ",\"exp\":" + (FuzzFixtures.NOW.getEpochSecond() + 60) + "}";
        String signingInput = new String(JWT_HEADER, StandardCharsets.US_ASCII) + "." + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        byte[] mac = FuzzFixtures.SIGNATURES.sign(TokenAlgorithm.HS256, FuzzFixtures.HS_KEY.key(),
                signingInput.getBytes(StandardCharsets.US_ASCII));
        VerifiedToken t = FuzzFixtures.VERIFIER.verify((signingInput + "." + B64.encodeToString(mac)).getBytes(StandardCharsets.US_ASCII));
        assertThat(t.subject()).isEqualTo("dev-1");
    }

    private static void verify(byte[] token) {
        try {
            FuzzFixtures.assertAccepted(FuzzFixtures.VERIFIER.verify(token));
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isNotNull();
        }
    }
}
