package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.testsupport.MutableClock;
import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.KeyResolver;
import io.edgeauth.broker.keys.SharedSecret;
import io.edgeauth.broker.keys.SigningKey;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips through issuer and verifier, and hostile tokens, each refused with its own reason. */
class TokenVerifierTest {
    static final String AUD = "mqtt://broker.example";
    static final byte[] HS_SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path data;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
    SigningKeyStore store;
    Signatures sig = new Signatures(CryptoProviders.jdk());
    BrokerTokenVerifier verifier;
    TokenIssuer issuer;

    @BeforeEach
    void setUp() throws Exception {
        store = SigningKeyStore.open(data, List.of(
                new TenantKeySettings("acme", "https://broker.example/acme", TokenAlgorithm.ES256, new SharedSecret("acme-hs", HS_SECRET)),
                new TenantKeySettings("ed", "https://broker.example/ed", TokenAlgorithm.EDDSA, null),
                new TenantKeySettings("rsa", "https://broker.example/rsa", TokenAlgorithm.RS256, null)),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        verifier = newVerifier(store, sig);
        issuer = new TokenIssuer(store, sig, TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
    }

    BrokerTokenVerifier newVerifier(KeyResolver keys, Signatures s) {
        return new BrokerTokenVerifier(keys, TokenPolicy.builder().audience(AUD).build(), s, clock);
    }

    static TokenClaims.Builder claims(String tenant) {
        return TokenClaims.builder(tenant, "dev-1").audience(AUD).scope("telemetry:write", "cmd:read")
                .geo("u33d", "u33e").region("eu-central").cnf(new Confirmation("x5t-value", "jkt-value"))
                .actor("svc-1").owner("did:pkh:eip155:1:0xabc").fleetCa("acme-ca").tokenId("fixed-jti");
    }

    static java.util.stream.Stream<CryptoProviders> providers() {
        return TestSupport.providers();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void issuedJwtAndCwtVerifyToEqualTokensForEveryAlgorithm(CryptoProviders p) throws Exception {
        Signatures s = new Signatures(p);
        TokenIssuer iss = new TokenIssuer(store, s, TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        BrokerTokenVerifier v = newVerifier(store, s);
        for (String tenant : List.of("acme", "ed", "rsa")) {
            IssuedToken jwt = iss.issue(claims(tenant).build(), TokenFormat.JWT);
            IssuedToken cwt = iss.issue(claims(tenant).build(), TokenFormat.CWT);
            VerifiedToken a = v.verify(jwt.bytes());
            VerifiedToken b = v.verify(cwt.bytes());
            assertThat(a.format()).isEqualTo(TokenFormat.JWT);
            assertThat(b.format()).isEqualTo(TokenFormat.CWT);
            assertThat(b).usingRecursiveComparison().ignoringFields("format", "fingerprint").isEqualTo(a);
            assertThat(a.tenantId()).isEqualTo(tenant);
            assertThat(a.subject()).isEqualTo("dev-1");
            assertThat(a.scope()).containsExactlyInAnyOrder("telemetry:write", "cmd:read");
            assertThat(a.geo()).containsExactly("u33d", "u33e");
            assertThat(a.cnf()).isEqualTo(new Confirmation("x5t-value", "jkt-value"));
            assertThat(a.actor()).isEqualTo("svc-1");
            assertThat(a.owner()).isEqualTo("did:pkh:eip155:1:0xabc");
            assertThat(a.fleetCa()).isEqualTo("acme-ca");
            assertThat(a.keyId()).isEqualTo(store.activeKey(tenant).kid());
            assertThat(a.expiresAt()).isEqualTo(clock.instant().plus(TokenPolicy.DEFAULT_MAX_LIFETIME));
            assertThat(a.fingerprint()).isEqualTo(Fingerprints.of(jwt.bytes())).hasSize(12);
            // the token endpoint hands CWTs out base64url-encoded; that form verifies too
            assertThat(v.verify(cwt.asText().getBytes(StandardCharsets.US_ASCII)).subject()).isEqualTo("dev-1");
        }
    }

    @Test
    void jwtHeaderHasKidAndTyp() throws Exception {
        IssuedToken jwt = issuer.issue(claims("acme").build(), TokenFormat.JWT);
        String header = new String(Base64.getUrlDecoder().decode(jwt.asText().split("\\.")[0]), StandardCharsets.UTF_8);
        assertThat(header).contains("\"kid\":\"" + store.activeKey("acme").kid() + "\"").contains("\"typ\":\"at+jwt\"").contains("ES256");
    }

    @Test
    void freshJtiAndLifetimeCapped() throws Exception {
        TokenClaims c = TokenClaims.builder("acme", "dev-1").audience(AUD).lifetime(Duration.ofDays(1)).build();
        IssuedToken a = issuer.issue(c, TokenFormat.JWT);
        IssuedToken b = issuer.issue(c, TokenFormat.JWT);
        assertThat(a.tokenId()).isNotEqualTo(b.tokenId()).hasSize(22);
        assertThat(a.expiresInSeconds()).isEqualTo(600);
        assertThat(verifier.verify(a.bytes()).tokenId()).isEqualTo(a.tokenId());
        assertThat(verifier.verify(issuer.issue(c, TokenFormat.CWT).bytes()).tokenId()).hasSize(22);
    }

    @Test
    void rotationKeepsOldTokensValidUntilTheyExpire() throws Exception {
        IssuedToken before = issuer.issue(claims("acme").build(), TokenFormat.JWT);
        String oldKid = store.activeKey("acme").kid();
        String newKid = store.rotate("acme");
        assertThat(newKid).isNotEqualTo(oldKid);
        IssuedToken after = issuer.issue(claims("acme").build(), TokenFormat.CWT);
        assertThat(verifier.verify(before.bytes()).keyId()).isEqualTo(oldKid);
        assertThat(verifier.verify(after.bytes()).keyId()).isEqualTo(newKid);
        clock.advance(Duration.ofMinutes(10).plusSeconds(31));
        assertReason(() -> verifier.verify(before.bytes()), RejectionReason.UNKNOWN_KEY);
    }

    @Test
    void keysSurviveRestart() throws Exception {
        IssuedToken jwt = issuer.issue(claims("ed").build(), TokenFormat.JWT);
        IssuedToken cwt = issuer.issue(claims("rsa").build(), TokenFormat.CWT);
        SigningKeyStore reopened = SigningKeyStore.open(data, List.of(
                new TenantKeySettings("acme", "https://broker.example/acme", TokenAlgorithm.ES256, new SharedSecret("acme-hs", HS_SECRET)),
                new TenantKeySettings("ed", "https://broker.example/ed", TokenAlgorithm.EDDSA, null),
                new TenantKeySettings("rsa", "https://broker.example/rsa", TokenAlgorithm.RS256, null)),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        BrokerTokenVerifier v = newVerifier(reopened, sig);
        assertThat(v.verify(jwt.bytes()).subject()).isEqualTo("dev-1");
        assertThat(v.verify(cwt.bytes()).subject()).isEqualTo("dev-1");
        assertThat(reopened.activeKey("ed").kid()).isEqualTo(store.activeKey("ed").kid());
    }

    @Test
    void crossProviderTokensVerify() throws Exception {
        if (!CryptoProviders.accpAvailable()) {
            return;
        }
        Signatures accp = new Signatures(CryptoProviders.accp());
        TokenIssuer accpIssuer = new TokenIssuer(store, accp, TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        for (String t : List.of("acme", "ed", "rsa")) {
            assertThat(verifier.verify(accpIssuer.issue(claims(t).build(), TokenFormat.CWT).bytes()).subject()).isEqualTo("dev-1");
            assertThat(newVerifier(store, accp).verify(issuer.issue(claims(t).build(), TokenFormat.JWT).bytes()).subject()).isEqualTo("dev-1");
        }
    }

    // ---- hostile JWTs ----------------------------------------------------------------------

    Map<String, Object> goodClaims() {
        long now = clock.instant().getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", "https://broker.example/acme");
        c.put("sub", "dev-1");
        c.put("aud", AUD);
        c.put("iat", now);
        c.put("nbf", now);
        c.put("exp", now + 300);
        c.put("jti", "j1");
        return c;
    }

    Map<String, Object> header(String alg, String kid) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", alg);
        if (kid != null) {
            h.put("kid", kid);
        }
        return h;
    }

    byte[] es256(Map<String, Object> header, Map<String, Object> claims) throws Exception {
        SigningKey k = store.activeKey("acme");
        return TestSupport.jws(header, claims, TokenAlgorithm.ES256, k.privateKey(), sig);
    }

    String kid() {
        return store.activeKey("acme").kid();
    }

    @Test
    void wellFormedControlTokenIsAccepted() throws Exception {
        assertThat(verifier.verify(es256(header("ES256", kid()), goodClaims())).tenantId()).isEqualTo("acme");
    }

    @Test
    void algNoneIsRefused() throws Exception {
        String input = TestSupport.b64u("{\"alg\":\"none\",\"kid\":\"" + kid() + "\"}") + "." + TestSupport.b64u(TestSupport.JSON.writeValueAsString(goodClaims()));
        assertReason(() -> verifier.verify((input + ".").getBytes(StandardCharsets.US_ASCII)), RejectionReason.MALFORMED);
        assertReason(() -> verifier.verify((input + ".AAAA").getBytes(StandardCharsets.US_ASCII)), RejectionReason.UNSUPPORTED_ALGORITHM);
        String noneUpper = TestSupport.b64u("{\"alg\":\"NONE\",\"kid\":\"" + kid() + "\"}") + "." + TestSupport.b64u("{}") + ".AAAA";
        assertReason(() -> verifier.verify(noneUpper.getBytes(StandardCharsets.US_ASCII)), RejectionReason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() throws Exception {
        byte[] pub = store.activeKey("acme").publicKey().getEncoded();
        byte[] token = TestSupport.jws(header("HS256", kid()), goodClaims(), TokenAlgorithm.HS256, new SecretKeySpec(pub, "HmacSHA256"), sig);
        assertReason(() -> verifier.verify(token), RejectionReason.UNSUPPORTED_ALGORITHM);
        // and a JWKS-style encoding of the public key as the secret
        byte[] jwkBytes = store.publicJwks("acme").toString().getBytes(StandardCharsets.UTF_8);
        byte[] token2 = TestSupport.jws(header("HS256", kid()), goodClaims(), TokenAlgorithm.HS256, new SecretKeySpec(jwkBytes, "HmacSHA256"), sig);
        assertReason(() -> verifier.verify(token2), RejectionReason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void hs256OnlyWithTheTenantsConfiguredSecret() throws Exception {
        byte[] ok = TestSupport.jws(header("HS256", "acme-hs"), goodClaims(), TokenAlgorithm.HS256, new SecretKeySpec(HS_SECRET, "HmacSHA256"), sig);
        assertThat(verifier.verify(ok).keyId()).isEqualTo("acme-hs");
        byte[] wrongSecret = TestSupport.jws(header("HS256", "acme-hs"), goodClaims(), TokenAlgorithm.HS256,
                new SecretKeySpec("another-secret-another-secret-xx".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"), sig);
        assertReason(() -> verifier.verify(wrongSecret), RejectionReason.BAD_SIGNATURE);
        Map<String, Object> edClaims = goodClaims();
        edClaims.put("iss", "https://broker.example/ed");
        byte[] otherTenant = TestSupport.jws(header("HS256", "acme-hs"), edClaims, TokenAlgorithm.HS256, new SecretKeySpec(HS_SECRET, "HmacSHA256"), sig);
        assertReason(() -> verifier.verify(otherTenant), RejectionReason.UNKNOWN_KEY);
        // the secret's kid with an asymmetric alg
        assertReason(() -> verifier.verify(es256(header("ES256", "acme-hs"), goodClaims())), RejectionReason.UNSUPPORTED_ALGORITHM);
    }

    /**
     * A key leaves the JWKS once its tokens have expired: an expired token of a retired key is still refused
     * unknown_key (its signature cannot be checked), but the description says its exp has passed, so the operator
     * does not read a forgery into an old token (tour N, N9).
     */
    @Test
    void anUnknownKeysTokenWhoseExpPassedSaysSo() throws Exception {
        Map<String, Object> old = goodClaims();
        long now = clock.instant().getEpochSecond();
        old.put("iat", now - 1200);
        old.put("exp", now - 600);
        byte[] token = es256(header("ES256", "retired-kid"), old);
        assertReason(() -> verifier.verify(token), RejectionReason.UNKNOWN_KEY);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier.verify(token)).hasMessageContaining("exp")
                .hasMessageContaining("2026-01-01T09:50:00Z");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier.verify(es256(header("ES256", "no-such-kid"), goodClaims())))
                .message().doesNotContain("has passed");
    }

    @Test
    void wrongKidAndPathKidAreUnknownKeys() throws Exception {
        assertReason(() -> verifier.verify(es256(header("ES256", "no-such-kid"), goodClaims())), RejectionReason.UNKNOWN_KEY);
        assertReason(() -> verifier.verify(es256(header("ES256", "../../etc/passwd"), goodClaims())), RejectionReason.UNKNOWN_KEY);
        assertReason(() -> verifier.verify(es256(header("ES256", "../" + kid()), goodClaims())), RejectionReason.UNKNOWN_KEY);
        assertReason(() -> verifier.verify(es256(header("ES256", store.activeKey("ed").kid()), goodClaims())), RejectionReason.UNKNOWN_KEY);
        assertReason(() -> verifier.verify(es256(header("ES256", null), goodClaims())), RejectionReason.MISSING_KID);
    }

    @Test
    void keysNamedByTheTokenAreIgnored() throws Exception {
        Map<String, Object> h = header("ES256", kid());
        h.put("jku", "https://attacker.example/jwks.json");
        h.put("x5u", "https://attacker.example/cert.pem");
        assertThat(verifier.verify(es256(h, goodClaims())).keyId()).isEqualTo(kid()); // verified with OUR key
        // an attacker-signed token embedding its own key under our kid
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var attacker = g.generateKeyPair();
        Map<String, Object> h2 = header("ES256", kid());
        h2.put("jku", "https://attacker.example/jwks.json");
        h2.put("jwk", Map.of("kty", "EC", "crv", "P-256", "x", "AAAA", "y", "AAAA"));
        byte[] forged = TestSupport.jws(h2, goodClaims(), TokenAlgorithm.ES256, attacker.getPrivate(), sig);
        assertReason(() -> verifier.verify(forged), RejectionReason.BAD_SIGNATURE);
    }

    @Test
    void keyAlgMismatchIsRefused() throws Exception {
        // ES512 header with our P-256 key's kid (the cose-wg ecdsa-sig-04 case): refused, not tried
        byte[] t = es256(header("ES512", kid()), goodClaims());
        assertReason(() -> verifier.verify(t), RejectionReason.UNSUPPORTED_ALGORITHM);
        byte[] rs = es256(header("RS256", kid()), goodClaims());
        assertReason(() -> verifier.verify(rs), RejectionReason.UNSUPPORTED_ALGORITHM);
        assertReason(() -> verifier.verify(es256(header("PS256", kid()), goodClaims())), RejectionReason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void timeWindowIsEnforced() throws Exception {
        long now = clock.instant().getEpochSecond();
        Map<String, Object> expired = goodClaims();
        expired.put("iat", now - 400);
        expired.put("nbf", now - 400);
        expired.put("exp", now - 31);
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), expired)), RejectionReason.EXPIRED);
        Map<String, Object> withinLeeway = goodClaims();
        withinLeeway.put("iat", now - 400);
        withinLeeway.put("exp", now - 29);
        assertThat(verifier.verify(es256(header("ES256", kid()), withinLeeway))).isNotNull();
        Map<String, Object> nbf = goodClaims();
        nbf.put("nbf", now + 60);
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), nbf)), RejectionReason.NOT_YET_VALID);
        Map<String, Object> iat = goodClaims();
        iat.put("iat", now + 60);
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), iat)), RejectionReason.ISSUED_IN_FUTURE);
        Map<String, Object> longLived = goodClaims();
        longLived.put("exp", now + 601);
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), longLived)), RejectionReason.LIFETIME_TOO_LONG);
        Map<String, Object> noExp = goodClaims();
        noExp.remove("exp");
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), noExp)), RejectionReason.MISSING_CLAIM);
        Map<String, Object> noIat = goodClaims();
        noIat.remove("iat");
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), noIat)), RejectionReason.MISSING_CLAIM);
    }

    @Test
    void audienceIssuerAndTenantAreEnforced() throws Exception {
        Map<String, Object> aud = goodClaims();
        aud.put("aud", List.of("someone-else", "another"));
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), aud)), RejectionReason.WRONG_AUDIENCE);
        Map<String, Object> audList = goodClaims();
        audList.put("aud", List.of("someone-else", AUD));
        assertThat(verifier.verify(es256(header("ES256", kid()), audList))).isNotNull();
        Map<String, Object> iss = goodClaims();
        iss.put("iss", "https://evil.example");
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), iss)), RejectionReason.UNKNOWN_ISSUER);
        Map<String, Object> noIss = goodClaims();
        noIss.remove("iss");
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), noIss)), RejectionReason.MISSING_CLAIM);
        Map<String, Object> tenant = goodClaims();
        tenant.put("tenant_id", "ed");
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), tenant)), RejectionReason.WRONG_TENANT);
    }

    @Test
    void badInputIsMalformedOrOversized() throws Exception {
        byte[] good = es256(header("ES256", kid()), goodClaims());
        byte[] huge = new byte[1024 * 1024];
        Arrays.fill(huge, (byte) 'e');
        assertReason(() -> verifier.verify(huge), RejectionReason.OVERSIZED);
        assertReason(() -> verifier.verify(new byte[0]), RejectionReason.MALFORMED);
        assertReason(() -> verifier.verify(null), RejectionReason.MALFORMED);
        String s = new String(good, StandardCharsets.US_ASCII);
        // 86 base64url chars of signature: minus one is impossible base64, minus three is a short signature
        assertReason(() -> verifier.verify(s.substring(0, s.length() - 1).getBytes(StandardCharsets.US_ASCII)), RejectionReason.MALFORMED);
        assertReason(() -> verifier.verify(s.substring(0, s.length() - 3).getBytes(StandardCharsets.US_ASCII)), RejectionReason.BAD_SIGNATURE);
        String truncatedHeader = s.substring(0, 5) + s.substring(s.indexOf('.'));
        assertReason(() -> verifier.verify(truncatedHeader.getBytes(StandardCharsets.US_ASCII)), RejectionReason.MALFORMED);
        String nonJson = s.substring(0, s.indexOf('.') + 1) + TestSupport.b64u("not json at all") + s.substring(s.lastIndexOf('.'));
        assertReason(() -> verifier.verify(nonJson.getBytes(StandardCharsets.US_ASCII)), RejectionReason.MALFORMED);
        String padded = s + "==";
        assertReason(() -> verifier.verify(padded.getBytes(StandardCharsets.US_ASCII)), RejectionReason.MALFORMED);
        String jwe = s + ".abc.def";
        assertReason(() -> verifier.verify(jwe.getBytes(StandardCharsets.US_ASCII)), RejectionReason.MALFORMED);
        String deepJson = "[".repeat(3000) + "]".repeat(3000);
        String deep = s.substring(0, s.indexOf('.') + 1) + TestSupport.b64u("{\"x\":" + deepJson + "}") + s.substring(s.lastIndexOf('.'));
        assertThatThrownBy(() -> verifier.verify(deep.getBytes(StandardCharsets.US_ASCII))).isInstanceOf(TokenRejectedException.class);
        // duplicate members (a second iss/aud smuggled past a different parser) and lenient JSON are refused
        String dupJson = TestSupport.JSON.writeValueAsString(goodClaims()).replaceFirst("\\{", "{\"aud\":\"evil\",");
        String dupInput = s.substring(0, s.indexOf('.') + 1) + TestSupport.b64u(dupJson);
        byte[] dupSig = sig.sign(TokenAlgorithm.ES256, store.activeKey("acme").privateKey(), dupInput.getBytes(StandardCharsets.US_ASCII));
        byte[] dupToken = (dupInput + "." + TestSupport.b64u(dupSig)).getBytes(StandardCharsets.US_ASCII);
        assertReason(() -> verifier.verify(dupToken), RejectionReason.MALFORMED);
        Map<String, Object> typed = goodClaims();
        typed.put("exp", "tomorrow");
        assertReason(() -> verifier.verify(es256(header("ES256", kid()), typed)), RejectionReason.MALFORMED);
        Map<String, Object> crit = header("ES256", kid());
        crit.put("crit", List.of("exp"));
        assertReason(() -> verifier.verify(es256(crit, goodClaims())), RejectionReason.MALFORMED);
        byte[] tamperedPayload = es256(header("ES256", kid()), goodClaims());
        int dot = s.indexOf('.');
        tamperedPayload[dot + 5] = (byte) (tamperedPayload[dot + 5] == 'A' ? 'B' : 'A');
        assertThatThrownBy(() -> verifier.verify(tamperedPayload)).isInstanceOf(TokenRejectedException.class);
    }

    // ---- hostile CWTs ----------------------------------------------------------------------

    CBORObject goodCwtClaims() {
        long now = clock.instant().getEpochSecond();
        return CBORObject.NewMap().Add(1, "https://broker.example/acme").Add(2, "dev-1").Add(3, AUD)
                .Add(4, now + 300).Add(5, now).Add(6, now);
    }

    byte[] cwt(int alg, String kid, byte[] payload, Integer tag) throws Exception {
        CBORObject prot = CBORObject.NewMap().Add(1, alg);
        if (kid != null) {
            prot.Add(4, kid.getBytes(StandardCharsets.US_ASCII));
        }
        byte[] protBytes = prot.EncodeToBytes();
        CBORObject sigStruct = CBORObject.NewArray().Add("Signature1").Add(protBytes).Add(new byte[0]).Add(payload);
        byte[] signature = sig.sign(TokenAlgorithm.ES256, store.activeKey("acme").privateKey(), sigStruct.EncodeToBytes());
        CBORObject msg = CBORObject.NewArray().Add(protBytes).Add(CBORObject.NewMap()).Add(payload).Add(signature);
        return tag == null ? msg.EncodeToBytes() : CBORObject.FromObjectAndTag(msg, tag).EncodeToBytes();
    }

    @Test
    void handBuiltCwtControlIsAccepted() throws Exception {
        assertThat(verifier.verify(cwt(-7, kid(), goodCwtClaims().EncodeToBytes(), 18)).subject()).isEqualTo("dev-1");
        assertThat(verifier.verify(cwt(-7, kid(), goodCwtClaims().EncodeToBytes(), null)).subject()).isEqualTo("dev-1");
        byte[] tagged61 = CBORObject.FromObjectAndTag(CBORObject.DecodeFromBytes(cwt(-7, kid(), goodCwtClaims().EncodeToBytes(), 18)), 61).EncodeToBytes();
        assertThat(verifier.verify(tagged61).subject()).isEqualTo("dev-1");
    }

    @Test
    void hostileCwtsAreRefused() throws Exception {
        byte[] payload = goodCwtClaims().EncodeToBytes();
        assertReason(() -> verifier.verify(cwt(-7, kid(), payload, 998)), RejectionReason.MALFORMED);
        assertReason(() -> verifier.verify(cwt(-7, kid(), payload, 17)), RejectionReason.UNSUPPORTED_ALGORITHM);
        assertReason(() -> verifier.verify(cwt(-999, kid(), payload, 18)), RejectionReason.UNSUPPORTED_ALGORITHM);
        assertReason(() -> verifier.verify(cwt(-36, kid(), payload, 18)), RejectionReason.UNSUPPORTED_ALGORITHM);
        assertReason(() -> verifier.verify(cwt(-7, null, payload, 18)), RejectionReason.MISSING_KID);
        assertReason(() -> verifier.verify(cwt(-7, "../../etc/passwd", payload, 18)), RejectionReason.UNKNOWN_KEY);

        // duplicate claim key (iss twice), spliced by hand because encoders refuse to write it
        byte[] dup = payload.clone();
        dup[0] = (byte) (dup[0] + 1);
        byte[] extra = CBORObject.NewMap().Add(1, "https://evil.example").EncodeToBytes();
        byte[] dupPayload = concat(dup, Arrays.copyOfRange(extra, 1, extra.length));
        assertReason(() -> verifier.verify(cwt(-7, kid(), dupPayload, 18)), RejectionReason.MALFORMED);

        byte[] good = cwt(-7, kid(), payload, 18);
        assertReason(() -> verifier.verify(concat(good, new byte[] {0x00})), RejectionReason.MALFORMED); // trailing
        assertReason(() -> verifier.verify(Arrays.copyOf(good, good.length - 5)), RejectionReason.MALFORMED); // truncated
        byte[] nested = new byte[200];
        Arrays.fill(nested, (byte) 0x81); // [[[[...
        nested[199] = 0x01;
        assertReason(() -> verifier.verify(cwt(-7, kid(), nested, 18)), RejectionReason.MALFORMED);
        assertReason(() -> verifier.verify(nested), RejectionReason.MALFORMED);
        byte[] tags = new byte[300];
        Arrays.fill(tags, (byte) 0xd2);
        assertReason(() -> verifier.verify(tags), RejectionReason.MALFORMED);
        assertReason(() -> verifier.verify(new byte[] {(byte) 0x9f, 0x01, (byte) 0xff}), RejectionReason.MALFORMED); // indefinite
        assertReason(() -> verifier.verify(cwt(-7, kid(), new byte[] {0x01}, 18)), RejectionReason.MALFORMED); // claims not a map
        CBORObject badType = goodCwtClaims();
        badType.Set(4, "tomorrow");
        assertReason(() -> verifier.verify(cwt(-7, kid(), badType.EncodeToBytes(), 18)), RejectionReason.MALFORMED);
        CBORObject longLived = goodCwtClaims();
        longLived.Set(4, clock.instant().getEpochSecond() + 3600);
        assertReason(() -> verifier.verify(cwt(-7, kid(), longLived.EncodeToBytes(), 18)), RejectionReason.LIFETIME_TOO_LONG);
        CBORObject wrongAud = goodCwtClaims();
        wrongAud.Set(3, "coap://other");
        assertReason(() -> verifier.verify(cwt(-7, kid(), wrongAud.EncodeToBytes(), 18)), RejectionReason.WRONG_AUDIENCE);
        byte[] flipped = good.clone();
        flipped[flipped.length - 1] ^= 1;
        assertReason(() -> verifier.verify(flipped), RejectionReason.BAD_SIGNATURE);
    }

    /** Random corruption of valid tokens: only TokenRejectedException may ever come out. */
    @Test
    void fuzzedTokensOnlyEverThrowTokenRejectedException() throws Exception {
        Random rnd = new Random(42);
        List<byte[]> seeds = List.of(issuer.issue(claims("acme").build(), TokenFormat.JWT).bytes(),
                issuer.issue(claims("acme").build(), TokenFormat.CWT).bytes(),
                issuer.issue(claims("ed").build(), TokenFormat.CWT).bytes());
        int rejected = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] t = seeds.get(i % seeds.size()).clone();
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                switch (rnd.nextInt(3)) {
                    case 0 -> t[rnd.nextInt(t.length)] = (byte) rnd.nextInt(256);
                    case 1 -> t = Arrays.copyOf(t, Math.max(1, rnd.nextInt(t.length)));
                    default -> t[rnd.nextInt(t.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            try {
                verifier.verify(t);
            } catch (TokenRejectedException expected) {
                rejected++;
            }
        }
        assertThat(rejected).isGreaterThan(2900);
    }

    @Test
    void leewayAbove30SecondsIsRefused() {
        assertThatThrownBy(() -> TokenPolicy.builder().audience(AUD).leeway(Duration.ofSeconds(31)).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TokenPolicy.builder().audience(AUD).leeway(Duration.ofSeconds(5)).build().leeway()).hasSeconds(5);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
