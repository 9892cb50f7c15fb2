package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.testsupport.MutableClock;
import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.keys.KeyResolution;
import io.edgeauth.broker.keys.VerificationKey;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 7515 Appendix A and RFC 7520 (JOSE cookbook) JWS vectors through the JWT decoding and signature
 * path, on both providers. The vectors carry no kid (RFC 7515) or a non-JSON payload (cookbook), so the
 * signature is checked separately from kid/claims/time validation, which other tests cover.
 */
class JoseVectorsTest {

    static Stream<Arguments> vectors() throws Exception {
        List<Object[]> raw = new ArrayList<>();
        JsonNode rfc = TestSupport.readJson(TestSupport.vectors("jose/rfc7515_appendix_a.json"));
        for (String name : List.of("A.1_HS256", "A.2_RS256", "A.3_ES256", "A.4_ES512")) {
            JsonNode v = rfc.get(name);
            raw.add(new Object[] {"RFC7515 " + name, v.get("compact").asText(), v.get("jwk"), v.get("alg").asText()});
        }
        for (String f : List.of("4_1.rsa_v15_signature.json", "4_3.ecdsa_signature.json", "4_4.hmac-sha2_integrity_protection.json")) {
            JsonNode v = TestSupport.readJson(TestSupport.vectors("jose/ietf-jose-cookbook/jws/" + f));
            raw.add(new Object[] {"RFC7520 " + f, v.get("output").get("compact").asText(), v.get("input").get("key"),
                    v.get("input").get("alg").asText()});
        }
        List<Arguments> out = new ArrayList<>();
        for (Object[] r : raw) {
            for (CryptoProviders p : TestSupport.providers().toList()) {
                out.add(Arguments.of(r[0] + " [" + p.activeProviderName() + "]", r[1], r[2], r[3], p));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void signatureVerifies(String name, String compact, JsonNode jwkJson, String alg, CryptoProviders p) throws Exception {
        Signatures sig = new Signatures(p);
        Key key = key(jwkJson);
        byte[] token = compact.getBytes(StandardCharsets.US_ASCII);
        JwtDecoder.JwsParts parts = JwtDecoder.parts(token, false);
        assertThat(parts.algorithm()).isEqualTo(TokenAlgorithm.fromJose(alg));
        assertThat(sig.verify(parts.algorithm(), key, token, parts.signedLength(), parts.signature())).isTrue();

        byte[] tampered = token.clone();
        tampered[10] = (byte) (tampered[10] == 'A' ? 'B' : 'A'); // header byte
        JwtDecoder.JwsParts t = null;
        try {
            t = JwtDecoder.parts(tampered, false);
        } catch (TokenRejectedException expected) {
            // a header that no longer parses is also a refusal
        }
        if (t != null) {
            assertThat(sig.verify(t.algorithm(), key, tampered, t.signedLength(), t.signature())).isFalse();
        }
        byte[] badSig = parts.signature().clone();
        badSig[badSig.length / 2] ^= 0x01;
        assertThat(sig.verify(parts.algorithm(), key, token, parts.signedLength(), badSig)).isFalse();
    }

    @Test
    void rfc7515ClaimsDecodeAndFullPathWantsKid() throws Exception {
        JsonNode v = TestSupport.readJson(TestSupport.vectors("jose/rfc7515_appendix_a.json")).get("A.3_ES256");
        byte[] token = v.get("compact").asText().getBytes(StandardCharsets.US_ASCII);
        DecodedToken d = JwtDecoder.decode(token, false);
        assertThat(d.claims().issuer()).isEqualTo("joe");
        assertThat(d.claims().expiresAt()).isEqualTo(Instant.ofEpochSecond(1300819380L));
        Key key = key(v.get("jwk"));
        BrokerTokenVerifier verifier = new BrokerTokenVerifier(
                (iss, kid) -> KeyResolution.found(new VerificationKey(iss, "x", key, Set.of(TokenAlgorithm.ES256), null, Set.of())),
                TokenPolicy.builder().audience("a").build(), new Signatures(CryptoProviders.jdk()),
                new MutableClock(Instant.ofEpochSecond(1300819000L)));
        assertReason(() -> verifier.verify(token), RejectionReason.MISSING_KID);
    }

    @Test
    void cookbookPs384IsNotSupported() throws Exception {
        JsonNode v = TestSupport.readJson(TestSupport.vectors("jose/ietf-jose-cookbook/jws/4_2.rsa-pss_signature.json"));
        byte[] token = v.get("output").get("compact").asText().getBytes(StandardCharsets.US_ASCII);
        assertReason(() -> JwtDecoder.parts(token, false), RejectionReason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void es512VectorRefusedWithP256KeyAndEs256WithP521Key() throws Exception {
        JsonNode rfc = TestSupport.readJson(TestSupport.vectors("jose/rfc7515_appendix_a.json"));
        Key p256 = key(rfc.get("A.3_ES256").get("jwk"));
        Key p521 = key(rfc.get("A.4_ES512").get("jwk"));
        assertThat(Signatures.keyMatches(TokenAlgorithm.ES512, p256)).isFalse();
        assertThat(Signatures.keyMatches(TokenAlgorithm.ES256, p521)).isFalse();
        assertThat(Signatures.keyMatches(TokenAlgorithm.ES512, p521)).isTrue();
    }

    static Key key(JsonNode k) throws Exception {
        JWK jwk = JWK.parse(TestSupport.JSON.writeValueAsString(k));
        if ("oct".equals(k.get("kty").asText())) {
            return new SecretKeySpec(jwk.toOctetSequenceKey().toByteArray(), "HmacSHA256");
        }
        return JwkKeys.publicKey(jwk);
    }
}
