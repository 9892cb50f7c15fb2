package io.edgeauth.broker.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.edgeauth.device.EcdheProvider;
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

/** ACCP as the source of EC key pairs and ECDH ({@link CryptoProviders#installNativeEcdhe}). */
class NativeEcdheTest {
    private boolean installedHere;

    @BeforeEach
    void install() {
        assumeThat(CryptoProviders.accpAvailable()).as("ACCP must load on this platform").isTrue();
        installedHere = CryptoProviders.installNativeEcdhe();
    }

    @AfterEach
    void removeIfInstalledHere() {
        if (installedHere) {
            EcdheProvider.remove();
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
        assertThat(EcdheProvider.installed()).isTrue();
        for (String curve : new String[] {"secp256r1", "secp384r1"}) {
            KeyPair ours = pair(null, curve); // the way Scandium asks
            KeyPair jdk = pair("SunEC", curve);
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(ours.getPrivate());
            assertThat(ka.getProvider().getName()).isEqualTo(EcdheProvider.NAME);
            ka.doPhase(jdk.getPublic(), true);
            KeyAgreement reference = KeyAgreement.getInstance("ECDH", "SunEC");
            reference.init(jdk.getPrivate());
            reference.doPhase(ours.getPublic(), true);
            assertThat(ka.generateSecret()).isEqualTo(reference.generateSecret());
        }
        assertThat(KeyPairGenerator.getInstance("EC").getProvider().getName()).isEqualTo(EcdheProvider.NAME);
    }

    @Test
    void macsSignaturesAndXdhStayWhereTheyWere() throws Exception {
        assertThat(Mac.getInstance("HmacSHA256").getProvider().getName()).isEqualTo("SunJCE");
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(pair(null, "secp256r1").getPrivate()); // a native key signs on the JDK's provider
        assertThat(s.getProvider().getName()).isEqualTo("SunEC");
        KeyPairGenerator xdh = KeyPairGenerator.getInstance("XDH");
        xdh.initialize(NamedParameterSpec.X25519);
        assertThat(xdh.getProvider().getName()).isEqualTo("SunEC");
    }
}
