package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.testsupport.MutableClock;
import static io.edgeauth.broker.token.TestSupport.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.keys.KeyResolution;
import io.edgeauth.broker.keys.KeyResolver;
import io.edgeauth.broker.keys.VerificationKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyFactory;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
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
 * RFC 8392 Appendix A CWTs through the full verifier, and the cose-wg Sign1/Mac0 examples through the
 * COSE layer, on both signature providers. Tampered copies must fail.
 */
class CoseVectorsTest {
    private static final Instant A3_TIME = Instant.ofEpochSecond(1444000000L); // between nbf and exp of A.1

    static Stream<CryptoProviders> providers() {
        return TestSupport.providers();
    }

    private static JsonNode rfc8392() throws Exception {
        return TestSupport.readJson(TestSupport.vectors("cwt-rfc8392/rfc8392_appendix_a.json"));
    }

    private static Key p256(JsonNode k) throws Exception {
        var spec = com.nimbusds.jose.jwk.Curve.P_256.toECParameterSpec();
        ECPoint w = new ECPoint(new java.math.BigInteger(1, hex(k.get("x_hex").asText())),
                new java.math.BigInteger(1, hex(k.get("y_hex").asText())));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
    }

    private static BrokerTokenVerifier rfcVerifier(CryptoProviders p, String kid, Key key, TokenAlgorithm alg) {
        KeyResolver resolver = (iss, k) -> "coap://as.example.com".equals(iss)
                ? (kid.equals(k) ? KeyResolution.found(new VerificationKey(iss, kid, key, Set.of(alg), "t1", Set.of()))
                : KeyResolution.unknownKey())
                : KeyResolution.unknownIssuer();
        TokenPolicy policy = TokenPolicy.builder().audience("coap://light.example.com")
                .maxLifetime(Duration.ofDays(2)) // the RFC example lives 33 h
                .build();
        return new BrokerTokenVerifier(resolver, policy, new Signatures(p), new MutableClock(A3_TIME));
    }

    @ParameterizedTest
    @MethodSource("providers")
    void rfc8392_A3_signedCwtVerifies(CryptoProviders p) throws Exception {
        JsonNode v = rfc8392();
        byte[] token = hex(v.get("A.3_signed_cwt").get("hex").asText());
        BrokerTokenVerifier verifier = rfcVerifier(p, "AsymmetricECDSA256", p256(v.get("A.2.3_ecdsa_p256_key")), TokenAlgorithm.ES256);
        VerifiedToken t = verifier.verify(token);
        assertThat(t.format()).isEqualTo(TokenFormat.CWT);
        assertThat(t.issuer()).isEqualTo("coap://as.example.com");
        assertThat(t.subject()).isEqualTo("erikw");
        assertThat(t.audience()).containsExactly("coap://light.example.com");
        assertThat(t.expiresAt()).isEqualTo(Instant.ofEpochSecond(1444064944L));
        assertThat(t.notBefore()).isEqualTo(Instant.ofEpochSecond(1443944944L));
        assertThat(t.issuedAt()).isEqualTo(Instant.ofEpochSecond(1443944944L));
        assertThat(t.tokenId()).isEqualTo("C3E"); // h'0b71' is not printable: base64url
        assertThat(t.keyId()).isEqualTo("AsymmetricECDSA256");
        assertThat(t.fingerprint()).hasSize(12);

        for (int i : new int[] {token.length - 1, token.length - 40, 30}) {
            byte[] tampered = token.clone();
            tampered[i] ^= 0x01;
            assertThatThrownBy(() -> verifier.verify(tampered)).isInstanceOf(TokenRejectedException.class);
        }
        byte[] sigFlip = token.clone();
        sigFlip[sigFlip.length - 1] ^= 0x01;
        assertReason(() -> verifier.verify(sigFlip), RejectionReason.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void rfc8392_A4_macedCwtVerifies(CryptoProviders p) throws Exception {
        JsonNode v = rfc8392();
        byte[] token = hex(v.get("A.4_maced_cwt").get("hex").asText());
        Key secret = new SecretKeySpec(hex(v.get("A.2.2_symmetric_key_256").get("k_hex").asText()), "HmacSHA256");
        BrokerTokenVerifier verifier = rfcVerifier(p, "Symmetric256", secret, TokenAlgorithm.HS256_64);
        VerifiedToken t = verifier.verify(token);
        assertThat(t.subject()).isEqualTo("erikw");
        assertThat(t.keyId()).isEqualTo("Symmetric256");

        byte[] tampered = token.clone();
        tampered[tampered.length - 1] ^= 0x01;
        assertReason(() -> verifier.verify(tampered), RejectionReason.BAD_SIGNATURE);
        // HMAC 256/64 is opt-in: the same key allowed for HS256 only refuses the truncated MAC
        BrokerTokenVerifier strict = rfcVerifier(p, "Symmetric256", secret, TokenAlgorithm.HS256);
        assertReason(() -> strict.verify(token), RejectionReason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void rfc8392_A3_timeChecksApplyToVectors() throws Exception {
        JsonNode v = rfc8392();
        byte[] token = hex(v.get("A.3_signed_cwt").get("hex").asText());
        Key key = p256(v.get("A.2.3_ecdsa_p256_key"));
        KeyResolver resolver = (iss, k) -> KeyResolution.found(new VerificationKey(iss, k, key, Set.of(TokenAlgorithm.ES256), null, Set.of()));
        BrokerTokenVerifier now = new BrokerTokenVerifier(resolver,
                TokenPolicy.builder().audience("coap://light.example.com").maxLifetime(Duration.ofDays(2)).build(),
                new Signatures(CryptoProviders.jdk()), java.time.Clock.systemUTC());
        assertReason(() -> now.verify(token), RejectionReason.EXPIRED);
        BrokerTokenVerifier defaults = new BrokerTokenVerifier(resolver,
                TokenPolicy.builder().audience("coap://light.example.com").build(),
                new Signatures(CryptoProviders.jdk()), new MutableClock(A3_TIME));
        assertReason(() -> defaults.verify(token), RejectionReason.LIFETIME_TOO_LONG);
    }

    @Test
    void coseWgCwtCopiesVerifyAtTheCoseLayer() throws Exception {
        JsonNode v = rfc8392();
        Signatures sig = new Signatures(CryptoProviders.jdk());
        JsonNode a3 = TestSupport.readJson(TestSupport.vectors("cwt-rfc8392/cose-wg-Examples/CWT/A_3.json"));
        CoseMessage m3 = CoseMessage.decode(hex(a3.get("output").get("cbor").asText()));
        assertThat(m3.kid()).isNull(); // the cose-wg copy has no kid: the full verifier says MISSING_KID
        assertThat(m3.verify(sig, p256(v.get("A.2.3_ecdsa_p256_key")), null)).isTrue();
        assertThat(m3.payload()).isEqualTo(hex(a3.get("input").get("plaintext_hex").asText()));

        JsonNode a4 = TestSupport.readJson(TestSupport.vectors("cwt-rfc8392/cose-wg-Examples/CWT/A_4.json"));
        CoseMessage m4 = CoseMessage.decode(hex(a4.get("output").get("cbor").asText()));
        Key secret = new SecretKeySpec(hex(v.get("A.2.2_symmetric_key_256").get("k_hex").asText()), "HmacSHA256");
        assertThat(m4.type()).isEqualTo(CoseMessage.Type.MAC0);
        assertThat(m4.verify(sig, secret, null)).isTrue();

        JsonNode a7 = TestSupport.readJson(TestSupport.vectors("cwt-rfc8392/cose-wg-Examples/CWT/A_7.json"));
        CoseMessage m7 = CoseMessage.decode(hex(a7.get("output").get("cbor").asText()));
        assertThat(m7.verify(sig, secret, null)).isTrue();
        RawClaims c7 = CwtDecoder.claims(CborStrict.decode(m7.payload(), "claims"));
        assertThat(c7.issuedAt()).isNotNull(); // float iat accepted
    }

    static Stream<Arguments> coseExamples() throws Exception {
        Path root = TestSupport.vectors("cose/cose-wg-Examples");
        List<Arguments> out = new ArrayList<>();
        for (String dir : List.of("sign1-tests", "mac0-tests", "hmac-examples", "ecdsa-examples", "RFC8152")) {
            try (Stream<Path> files = Files.list(root.resolve(dir))) {
                for (Path f : files.sorted().toList()) {
                    JsonNode j = TestSupport.readJson(f);
                    JsonNode in = j.get("input");
                    if (in.has("sign0") || in.has("mac0")) {
                        for (CryptoProviders p : TestSupport.providers().toList()) {
                            out.add(Arguments.of(dir + "/" + f.getFileName() + " [" + p.activeProviderName() + "]", j, p));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    /**
     * Every Sign1/Mac0 example: pass vectors verify, {@code fail} vectors are refused, and flipping a
     * signature bit of a pass vector makes it fail. Exceptions to "pass": ecdsa-sig-04 (a P-256 key
     * with ES512: we refuse key/alg mismatches), C.6.1 (AES-MAC, not supported), and sign-pass-01 and
     * mac-pass-01..03, whose {@code alg} is in the unprotected header (RFC 8152 allowed it; RFC 9052 §3.1
     * wants it protected, and we refuse it: issue 10, hole 15).
     */
    /** The cose-wg examples with {@code alg} in the unprotected header. */
    static final Set<String> UNPROTECTED_ALG = Set.of("sign1-tests/sign-pass-01.json", "mac0-tests/mac-pass-01.json",
            "mac0-tests/mac-pass-02.json", "mac0-tests/mac-pass-03.json");

    @ParameterizedTest(name = "{0}")
    @MethodSource("coseExamples")
    void coseExample(String name, JsonNode j, CryptoProviders p) throws Exception {
        Signatures sig = new Signatures(p);
        JsonNode in = j.get("input");
        JsonNode part = in.has("sign0") ? in.get("sign0") : in.get("mac0");
        JsonNode keyJson = part.has("key") ? part.get("key") : part.get("recipients").get(0).get("key");
        Key key = key(keyJson);
        byte[] aad = part.has("external") ? hex(part.get("external").asText()) : null;
        byte[] cbor = hex(j.get("output").get("cbor").asText());
        boolean expectFail = j.path("fail").asBoolean(false)
                || name.contains("ecdsa-sig-04") || name.contains("Appendix_C_6_1") || UNPROTECTED_ALG.contains(name.split(" ")[0]);

        boolean ok;
        try {
            CoseMessage m = CoseMessage.decode(cbor);
            ok = m.verify(sig, key, aad);
            if (ok) {
                assertThat(new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(in.get("plaintext").asText());
                byte[] tbs = m.toBeSigned(aad);
                JsonNode inter = j.get("intermediates");
                String expectedTbs = inter.has("ToBeSign_hex") ? inter.get("ToBeSign_hex").asText() : inter.get("ToMac_hex").asText();
                assertThat(tbs).isEqualTo(hex(expectedTbs));
            }
        } catch (TokenRejectedException e) {
            ok = false;
        }
        assertThat(ok).as(name).isEqualTo(!expectFail);

        if (!expectFail) {
            byte[] tampered = cbor.clone();
            tampered[tampered.length - 1] ^= 0x01;
            CoseMessage m = CoseMessage.decode(tampered);
            assertThat(m.verify(sig, key, aad)).isFalse();
        }
    }

    private static Key key(JsonNode k) throws Exception {
        JWK jwk = JWK.parse(TestSupport.JSON.writeValueAsString(k));
        if ("oct".equals(k.get("kty").asText())) {
            return new SecretKeySpec(jwk.toOctetSequenceKey().toByteArray(), "HmacSHA256");
        }
        return JwkKeys.publicKey(jwk);
    }

    static void assertReason(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, RejectionReason reason) {
        assertThatThrownBy(call).isInstanceOf(TokenRejectedException.class)
                .extracting(e -> ((TokenRejectedException) e).reason()).isEqualTo(reason);
    }

    @Test
    void unprotectedAlgVectorsAreRefusedAsMalformed() throws Exception {
        Path root = TestSupport.vectors("cose/cose-wg-Examples");
        for (String name : UNPROTECTED_ALG) {
            byte[] cbor = hex(TestSupport.readJson(root.resolve(name)).get("output").get("cbor").asText());
            assertReason(() -> CoseMessage.decode(cbor), RejectionReason.MALFORMED);
        }
    }
}
