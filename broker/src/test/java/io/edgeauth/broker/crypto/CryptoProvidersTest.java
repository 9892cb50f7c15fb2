package io.edgeauth.broker.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.keys.JwkKeys;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.Security;
import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class CryptoProvidersTest {
    static final byte[] DATA = "signed bytes".getBytes(StandardCharsets.US_ASCII);

    @Test
    void selectionFollowsSwitchAndAvailability() {
        assertThat(CryptoProviders.select(false).activeProviderName()).isEqualTo("JDK");
        assertThat(CryptoProviders.select(false).isAccp()).isFalse();
        CryptoProviders chosen = CryptoProviders.select(true);
        assertThat(chosen.isAccp()).isEqualTo(CryptoProviders.accpAvailable());
        if (CryptoProviders.accpAvailable()) {
            assertThat(chosen.activeProviderName()).isEqualTo("AmazonCorrettoCryptoProvider");
        }
        // never installed globally (ACCP's HMAC breaks Scandium DTLS when it is)
        assertThat(Arrays.stream(Security.getProviders()).map(p -> p.getName())).doesNotContain("AmazonCorrettoCryptoProvider");
    }

    @Test
    void enginesComeFromTheChosenProvider() throws Exception {
        assertThat(CryptoProviders.jdk().signature("SHA256withECDSAinP1363Format").getProvider().getName()).isEqualTo("SunEC");
        assertThat(CryptoProviders.jdk().signature("SHA256withRSA").getProvider().getName()).isEqualTo("SunRsaSign");
        assertThat(CryptoProviders.jdk().mac("HmacSHA256").getProvider().getName()).isEqualTo("SunJCE");
        if (CryptoProviders.accpAvailable()) {
            CryptoProviders accp = CryptoProviders.accp();
            assertThat(accp.signature("SHA256withECDSAinP1363Format").getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
            assertThat(accp.signature("Ed25519").getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
            assertThat(accp.mac("HmacSHA256").getProvider().getName()).isEqualTo("SunJCE");
        }
    }

    @Test
    void signAndVerifyAcrossProviders() throws Exception {
        CryptoProviders[] all = CryptoProviders.accpAvailable()
                ? new CryptoProviders[] {CryptoProviders.jdk(), CryptoProviders.accp()}
                : new CryptoProviders[] {CryptoProviders.jdk()};
        for (TokenAlgorithm alg : new TokenAlgorithm[] {TokenAlgorithm.ES256, TokenAlgorithm.EDDSA, TokenAlgorithm.RS256}) {
            JWK jwk = JwkKeys.generate(alg);
            Key priv = JwkKeys.privateKey(jwk);
            Key pub = JwkKeys.publicKey(jwk);
            for (CryptoProviders signer : all) {
                byte[] s = new Signatures(signer).sign(alg, priv, DATA);
                for (CryptoProviders verifier : all) {
                    Signatures v = new Signatures(verifier);
                    assertThat(v.verify(alg, pub, DATA, DATA.length, s)).as(alg + " " + signer + "->" + verifier).isTrue();
                    byte[] bad = s.clone();
                    bad[bad.length / 2] ^= 1;
                    assertThat(v.verify(alg, pub, DATA, DATA.length, bad)).isFalse();
                    assertThat(v.verify(alg, pub, DATA, DATA.length, Arrays.copyOf(s, s.length - 1))).isFalse();
                    assertThat(v.verify(alg, pub, DATA, DATA.length - 1, s)).isFalse();
                    assertThat(v.verify(alg, pub, DATA, DATA.length, new byte[s.length])).isFalse(); // r = s = 0
                }
            }
        }
        Key secret = new SecretKeySpec(new byte[32], "HmacSHA256");
        byte[] mac = new Signatures(CryptoProviders.jdk()).sign(TokenAlgorithm.HS256, secret, DATA);
        for (CryptoProviders p : all) {
            assertThat(new Signatures(p).verify(TokenAlgorithm.HS256, secret, DATA, DATA.length, mac)).isTrue();
            assertThat(new Signatures(p).verify(TokenAlgorithm.HS256_64, secret, DATA, DATA.length, Arrays.copyOf(mac, 8))).isTrue();
        }
    }

    @Test
    void keysMustFitTheAlgorithm() throws Exception {
        Key ec = JwkKeys.publicKey(JwkKeys.generate(TokenAlgorithm.ES256));
        Key ed = JwkKeys.publicKey(JwkKeys.generate(TokenAlgorithm.EDDSA));
        Key rsa = JwkKeys.publicKey(JwkKeys.generate(TokenAlgorithm.RS256));
        assertThat(Signatures.keyMatches(TokenAlgorithm.ES256, ec)).isTrue();
        assertThat(Signatures.keyMatches(TokenAlgorithm.ES512, ec)).isFalse();
        assertThat(Signatures.keyMatches(TokenAlgorithm.ES384, ec)).isFalse();
        assertThat(Signatures.keyMatches(TokenAlgorithm.EDDSA, ec)).isFalse();
        assertThat(Signatures.keyMatches(TokenAlgorithm.EDDSA, ed)).isTrue();
        assertThat(Signatures.keyMatches(TokenAlgorithm.RS256, rsa)).isTrue();
        assertThat(Signatures.keyMatches(TokenAlgorithm.HS256, new SecretKeySpec(ec.getEncoded(), "HmacSHA256"))).isTrue();
        assertThat(Signatures.keyMatches(TokenAlgorithm.HS256, ec)).isFalse();
        assertThat(Signatures.keyMatches(TokenAlgorithm.HS256, new SecretKeySpec(new byte[16], "HmacSHA256"))).isFalse();
        var small = java.security.KeyPairGenerator.getInstance("RSA");
        small.initialize(1024);
        assertThat(Signatures.keyMatches(TokenAlgorithm.RS256, small.generateKeyPair().getPublic())).isFalse();
    }

    @Test
    void algorithmNames() {
        assertThat(TokenAlgorithm.fromJose("none")).isNull();
        assertThat(TokenAlgorithm.fromJose("es256")).isNull(); // case-sensitive, as RFC 7515 says
        assertThat(TokenAlgorithm.fromJose("EdDSA")).isEqualTo(TokenAlgorithm.EDDSA);
        assertThat(TokenAlgorithm.fromCose(-7)).isEqualTo(TokenAlgorithm.ES256);
        assertThat(TokenAlgorithm.fromCose(4)).isEqualTo(TokenAlgorithm.HS256_64);
        assertThat(TokenAlgorithm.fromCose(-999)).isNull();
        assertThat(TokenAlgorithm.parseConfig("hs256/64")).isEqualTo(TokenAlgorithm.HS256_64);
        assertThat(TokenAlgorithm.parseConfig("eddsa")).isEqualTo(TokenAlgorithm.EDDSA);
    }
}
