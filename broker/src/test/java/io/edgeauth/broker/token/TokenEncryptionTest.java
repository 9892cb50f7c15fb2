package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.refusal.RejectionReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.CompressionAlgorithm;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.keys.TokenEncryptionKeys;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encrypted tokens (issue 15): nested JWTs and COSE_Encrypt0 CWTs issued by {@link TokenIssuer} and
 * opened by {@link BrokerTokenVerifier}; forgeries inside and outside the encryption refused.
 */
class TokenEncryptionTest {
    @TempDir
    Path data;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));
    private SigningKeyStore signing;
    private TokenEncryptionKeys.TenantKeys acmeKeys;
    private TokenEncryption encryption;
    private TokenIssuer issuer;
    private BrokerTokenVerifier verifier;
    private final Signatures signatures = new Signatures(CryptoProviders.jdk());

    @BeforeEach
    void setUp() throws Exception {
        signing = SigningKeyStore.open(data, List.of(TenantKeySettings.of("acme", "https://b/acme"),
                TenantKeySettings.of("secret", "https://b/secret")), TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        acmeKeys = TokenEncryptionKeys.generate("acme");
        encryption = new TokenEncryption(new TokenEncryptionKeys(List.of(acmeKeys,
                TokenEncryptionKeys.generate("secret"))), Set.of("secret"), CryptoProviders.jdk());
        issuer = new TokenIssuer(signing, signatures, Duration.ofMinutes(5), clock, encryption);
        verifier = new BrokerTokenVerifier(signing, TokenPolicy.builder().audience("aud").build(), signatures, clock,
                encryption);
    }

    private IssuedToken issue(TokenFormat format) {
        return issuer.issue(TokenClaims.builder("acme", "pump-7").audience("aud").owner("did:pkh:eip155:1:0xabc")
                .geo("u33db").build(), format);
    }

    @Test
    void nestedJwtRoundTripsAndHidesItsClaims() throws Exception {
        IssuedToken token = issue(TokenFormat.JWE);
        String text = token.asText();
        assertThat(text.split("\\.", -1)).hasSize(5);
        JWEHeader header = JWEObject.parse(text).getHeader();
        assertThat(header.getAlgorithm()).isEqualTo(JWEAlgorithm.ECDH_ES);
        assertThat(header.getEncryptionMethod()).isEqualTo(EncryptionMethod.A256GCM);
        assertThat(header.getContentType()).isEqualTo("JWT");
        assertThat(new String(Base64.getUrlDecoder().decode(text.split("\\.")[3]), StandardCharsets.ISO_8859_1))
                .doesNotContain("pump-7").doesNotContain("u33db");

        VerifiedToken v = verifier.verify(token.bytes());
        assertThat(v.subject()).isEqualTo("pump-7");
        assertThat(v.owner()).isEqualTo("did:pkh:eip155:1:0xabc");
        assertThat(v.format()).isEqualTo(TokenFormat.JWE);
        assertThat(v.tokenId()).isEqualTo(token.tokenId());
    }

    @Test
    void withAccpTheKeyAgreementRunsOnItAndStillOpensTheToken() throws Exception {
        assumeTrue(CryptoProviders.accpAvailable(), "ACCP does not load on this platform");
        CryptoProviders accp = CryptoProviders.accp();
        TokenEncryption onAccp = new TokenEncryption(new TokenEncryptionKeys(List.of(acmeKeys)), Set.of(), accp);
        BrokerTokenVerifier v = new BrokerTokenVerifier(signing, TokenPolicy.builder().audience("aud").build(),
                new Signatures(accp), clock, onAccp);
        assertThat(v.verify(issue(TokenFormat.JWE).bytes()).subject()).isEqualTo("pump-7");
    }

    @Test
    void encryptedCwtRoundTripsRawAndAsBase64url() throws Exception {
        IssuedToken token = issue(TokenFormat.CWT_ENCRYPTED);
        byte[] raw = token.bytes();
        assertThat(raw[0] & 0xff).as("COSE_Encrypt0 tag 16").isEqualTo(0xd0);
        assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain("pump-7");
        assertThat(verifier.verify(raw).subject()).isEqualTo("pump-7");
        VerifiedToken fromText = verifier.verify(token.asText().getBytes(StandardCharsets.US_ASCII));
        assertThat(fromText.format()).isEqualTo(TokenFormat.CWT_ENCRYPTED);
        assertThat(fromText.geo()).containsExactly("u33db");
    }

    @Test
    void aTamperedCiphertextIsAForgery() {
        byte[] jwe = issue(TokenFormat.JWE).bytes();
        String[] parts = new String(jwe, StandardCharsets.US_ASCII).split("\\.");
        byte[] ct = Base64.getUrlDecoder().decode(parts[3]);
        ct[0] ^= 1;
        parts[3] = Base64.getUrlEncoder().withoutPadding().encodeToString(ct);
        assertReason(String.join(".", parts).getBytes(StandardCharsets.US_ASCII), RejectionReason.BAD_SIGNATURE);

        byte[] cwt = issue(TokenFormat.CWT_ENCRYPTED).bytes();
        cwt[cwt.length - 20] ^= 1;
        assertReason(cwt, RejectionReason.BAD_SIGNATURE);
    }

    @Test
    void anEncryptedTokenWhoseInnerSignatureFailsIsRefusedLikeAnyForgery() throws Exception {
        ECKey forger = new ECKeyGenerator(Curve.P_256).generate();
        String kid = signing.activeKey("acme").kid();
        SignedJWT jws = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(),
                new JWTClaimsSet.Builder().issuer("https://b/acme").subject("pump-7").audience("aud")
                        .issueTime(Date.from(clock.instant())).expirationTime(Date.from(clock.instant().plusSeconds(60)))
                        .claim("tenant_id", "acme").build());
        jws.sign(new ECDSASigner(forger));
        byte[] sealed = NestedJwt.encrypt(acmeKeys.jweKey(), jws.serialize());
        assertReason(sealed, RejectionReason.BAD_SIGNATURE);
    }

    @Test
    void unknownKeysDisallowedAlgorithmsAndNestingAreRefused() throws Exception {
        String inner = issue(TokenFormat.JWT).asText();
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("someone-else").generate();
        assertReason(NestedJwt.encrypt(stranger, inner), RejectionReason.UNKNOWN_KEY);

        JWEObject zipped = new JWEObject(new JWEHeader.Builder(JWEAlgorithm.ECDH_ES, EncryptionMethod.A256GCM)
                .contentType("JWT").keyID(acmeKeys.jweKey().getKeyID()).compressionAlgorithm(CompressionAlgorithm.DEF)
                .build(), new Payload(inner));
        zipped.encrypt(new ECDHEncrypter(acmeKeys.jweKey().toECPublicKey()));
        assertReason(zipped.serialize().getBytes(StandardCharsets.US_ASCII), RejectionReason.MALFORMED);

        JWEObject cbc = new JWEObject(new JWEHeader.Builder(JWEAlgorithm.ECDH_ES, EncryptionMethod.A128CBC_HS256)
                .contentType("JWT").keyID(acmeKeys.jweKey().getKeyID()).build(), new Payload(inner));
        cbc.encrypt(new ECDHEncrypter(acmeKeys.jweKey().toECPublicKey()));
        assertReason(cbc.serialize().getBytes(StandardCharsets.US_ASCII), RejectionReason.UNSUPPORTED_ALGORITHM);

        JWEObject noCty = new JWEObject(new JWEHeader.Builder(JWEAlgorithm.ECDH_ES, EncryptionMethod.A256GCM)
                .keyID(acmeKeys.jweKey().getKeyID()).build(), new Payload(inner));
        noCty.encrypt(new ECDHEncrypter(acmeKeys.jweKey().toECPublicKey()));
        assertReason(noCty.serialize().getBytes(StandardCharsets.US_ASCII), RejectionReason.MALFORMED);

        byte[] twice = NestedJwt.encrypt(acmeKeys.jweKey(), issue(TokenFormat.JWE).asText());
        assertReason(twice, RejectionReason.MALFORMED);

        byte[] coseTwice = CoseEncrypt0.encrypt(acmeKeys.coseKey().toByteArray(),
                acmeKeys.coseKey().getKeyID().getBytes(StandardCharsets.US_ASCII), issue(TokenFormat.CWT_ENCRYPTED).bytes());
        assertReason(coseTwice, RejectionReason.MALFORMED);
        byte[] coseStranger = CoseEncrypt0.encrypt(new byte[32], "nobody".getBytes(StandardCharsets.US_ASCII),
                issue(TokenFormat.CWT).bytes());
        assertReason(coseStranger, RejectionReason.UNKNOWN_KEY);
    }

    @Test
    void aVerifierWithoutEncryptionKeysRefusesEncryptedTokens() {
        BrokerTokenVerifier plain = new BrokerTokenVerifier(signing, TokenPolicy.builder().audience("aud").build(),
                signatures, clock);
        assertThatThrownBy(() -> plain.verify(issue(TokenFormat.JWE).bytes())).isInstanceOf(TokenRejectedException.class)
                .extracting(e -> ((TokenRejectedException) e).reason()).isEqualTo(RejectionReason.UNSUPPORTED_ALGORITHM);
        assertThatThrownBy(() -> new TokenIssuer(signing, signatures, Duration.ofMinutes(5), clock)
                .issue(TokenClaims.builder("acme", "pump-7").audience("aud").build(), TokenFormat.CWT_ENCRYPTED))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTenantWhosePolicyEncryptsGetsEncryptedTokensWhateverItAsks() throws Exception {
        IssuedToken jwt = issuer.issue(TokenClaims.builder("secret", "d1").audience("aud").build(), TokenFormat.JWT);
        IssuedToken cwt = issuer.issue(TokenClaims.builder("secret", "d1").audience("aud").build(), TokenFormat.CWT);
        assertThat(jwt.format()).isEqualTo(TokenFormat.JWE);
        assertThat(cwt.format()).isEqualTo(TokenFormat.CWT_ENCRYPTED);
        assertThat(verifier.verify(jwt.bytes()).subject()).isEqualTo("d1");
        assertThat(verifier.verify(cwt.bytes()).subject()).isEqualTo("d1");
        assertThat(issue(TokenFormat.JWT).format()).as("another tenant: as asked").isEqualTo(TokenFormat.JWT);
    }

    /**
     * Tour AA, AA5: contract.md promises a failed decryption is refused as a forgery is; the answer said which layer
     * failed ("JWE does not decrypt", "ciphertext does not authenticate"). Now one text, the layer in the audit only.
     */
    @Test
    void aFailedDecryptionAnswersTheForgerysTextAndTellsTheLayerOnlyToTheAudit() throws Exception {
        byte[] jwe = issue(TokenFormat.JWE).bytes();
        String[] parts = new String(jwe, StandardCharsets.US_ASCII).split("\\.");
        byte[] tag = Base64.getUrlDecoder().decode(parts[4]);
        tag[0] ^= 1;
        parts[4] = Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        TokenRejectedException jweRefusal = refusal(String.join(".", parts).getBytes(StandardCharsets.US_ASCII));
        byte[] cwt = issue(TokenFormat.CWT_ENCRYPTED).bytes();
        cwt[cwt.length - 20] ^= 1;
        TokenRejectedException cwtRefusal = refusal(cwt);
        ECKey forger = new ECKeyGenerator(Curve.P_256).generate();
        SignedJWT jws = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signing.activeKey("acme").kid())
                .build(), new JWTClaimsSet.Builder().issuer("https://b/acme").subject("pump-7").audience("aud")
                .issueTime(Date.from(clock.instant())).expirationTime(Date.from(clock.instant().plusSeconds(60)))
                .claim("tenant_id", "acme").build());
        jws.sign(new ECDSASigner(forger));
        TokenRejectedException forged = refusal(jws.serialize().getBytes(StandardCharsets.US_ASCII));

        assertThat(forged.getMessage()).isEqualTo("signature does not verify");
        for (TokenRejectedException e : List.of(jweRefusal, cwtRefusal)) {
            assertThat(e.reason()).isEqualTo(RejectionReason.BAD_SIGNATURE);
            assertThat(e.getMessage()).as("the answer's text").isEqualTo(forged.getMessage());
        }
        assertThat(jweRefusal.auditDetail()).isEqualTo("JWE does not decrypt");
        assertThat(cwtRefusal.auditDetail()).isEqualTo("ciphertext does not authenticate");
        assertThat(forged.auditDetail()).isEqualTo("signature does not verify");
    }

    private TokenRejectedException refusal(byte[] token) {
        try {
            verifier.verify(token);
        } catch (TokenRejectedException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    private void assertReason(byte[] token, RejectionReason reason) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(TokenRejectedException.class)
                .extracting(e -> ((TokenRejectedException) e).reason()).isEqualTo(reason);
    }
}
