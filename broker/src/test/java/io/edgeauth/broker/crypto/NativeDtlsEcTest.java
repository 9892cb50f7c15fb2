package io.edgeauth.broker.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.edgeauth.device.DtlsEcProvider;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.NamedParameterSpec;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ACCP as the source of EC key pairs, ECDH and ECDSA ({@link CryptoProviders#installNativeDtlsEc}). */
class NativeDtlsEcTest {
    private boolean installedHere;

    @BeforeEach
    void install() {
        assumeThat(CryptoProviders.accpAvailable()).as("ACCP must load on this platform").isTrue();
        installedHere = CryptoProviders.installNativeDtlsEc();
    }

    @AfterEach
    void removeIfInstalledHere() {
        if (installedHere) {
            DtlsEcProvider.remove();
        }
    }

    private static KeyPair pair(String provider, String curve) throws Exception {
        KeyPairGenerator g = provider == null ? KeyPairGenerator.getInstance("EC")
                : KeyPairGenerator.getInstance("EC", provider);
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    @Test
    void keyPairsAndAgreementsAskedForWithoutAProviderAreAccpsAndAgreeWithTheJdk() throws Exception {
        assertThat(DtlsEcProvider.installed()).isTrue();
        for (String curve : new String[] {"secp256r1", "secp384r1"}) {
            KeyPair ours = pair(null, curve); // the way Scandium asks
            KeyPair jdk = pair("SunEC", curve);
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(ours.getPrivate());
            assertThat(ka.getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
            ka.doPhase(jdk.getPublic(), true);
            KeyAgreement reference = KeyAgreement.getInstance("ECDH", "SunEC");
            reference.init(jdk.getPrivate());
            reference.doPhase(ours.getPublic(), true);
            assertThat(ka.generateSecret()).isEqualTo(reference.generateSecret());
        }
        assertThat(KeyPairGenerator.getInstance("EC").getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
    }

    @Test
    void ecdsaAskedForWithoutAProviderIsAccpsAndInteroperatesWithTheJdk() throws Exception {
        KeyPair keys = pair("SunEC", "secp256r1");
        byte[] data = "handshake".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Signature ours = Signature.getInstance("SHA256withECDSA"); // the way Scandium and PKIX ask
        ours.initSign(keys.getPrivate());
        assertThat(ours.getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
        ours.update(data);
        byte[] signature = ours.sign();
        Signature jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
        jdk.initVerify(keys.getPublic());
        jdk.update(data);
        assertThat(jdk.verify(signature)).isTrue();
        jdk.initSign(keys.getPrivate());
        jdk.update(data);
        byte[] jdkSignature = jdk.sign();
        ours = Signature.getInstance("SHA256withECDSA");
        ours.initVerify(keys.getPublic());
        ours.update(data);
        assertThat(ours.verify(jdkSignature)).isTrue();
        ours.initVerify(keys.getPublic());
        ours.update("tampered".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(ours.verify(jdkSignature)).isFalse();
    }

    @Test
    void macsRsaSignaturesAndXdhStayWhereTheyWere() throws Exception {
        assertThat(Mac.getInstance("HmacSHA256").getProvider().getName()).isEqualTo("SunJCE");
        Signature rsa = Signature.getInstance("SHA256withRSA");
        KeyPairGenerator rsaKeys = KeyPairGenerator.getInstance("RSA");
        rsaKeys.initialize(2048);
        rsa.initSign(rsaKeys.generateKeyPair().getPrivate());
        assertThat(rsa.getProvider().getName()).isEqualTo("SunRsaSign");
        KeyPairGenerator xdh = KeyPairGenerator.getInstance("XDH");
        xdh.initialize(NamedParameterSpec.X25519);
        assertThat(xdh.getProvider().getName()).isEqualTo("SunEC");
    }
}
