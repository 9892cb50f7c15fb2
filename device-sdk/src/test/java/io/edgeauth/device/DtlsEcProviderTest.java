package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.spec.ECGenParameterSpec;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DtlsEcProviderTest {
    @AfterEach
    void remove() {
        DtlsEcProvider.remove();
    }

    @Test
    void servesEcKeyPairsEcdhAndEcdsaFromItsSourceFirstAndNothingElse() throws Exception {
        assertThat(DtlsEcProvider.install(Security.getProvider("SunEC"))).isTrue();
        assertThat(Security.getProviders()[0].getName()).isEqualTo(DtlsEcProvider.NAME);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        assertThat(g.getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair a = g.generateKeyPair();
        KeyPair b = g.generateKeyPair();
        KeyAgreement ab = KeyAgreement.getInstance("ECDH");
        ab.init(a.getPrivate());
        assertThat(ab.getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
        ab.doPhase(b.getPublic(), true);
        KeyAgreement ba = KeyAgreement.getInstance("ECDH", "SunEC");
        ba.init(b.getPrivate());
        ba.doPhase(a.getPublic(), true);
        assertThat(ab.generateSecret()).hasSize(32).isEqualTo(ba.generateSecret());
        java.security.Signature ecdsa = java.security.Signature.getInstance("SHA256withECDSA");
        ecdsa.initSign(a.getPrivate());
        assertThat(ecdsa.getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
        assertThat(Mac.getInstance("HmacSHA256").getProvider().getName()).isNotEqualTo(DtlsEcProvider.NAME);
        assertThat(java.security.Signature.getInstance("SHA256withRSA").getProvider().getName())
                .isNotEqualTo(DtlsEcProvider.NAME);
    }

    @Test
    void aSecondInstallAndASourceWithoutEcAreRefused() {
        assertThat(DtlsEcProvider.install(Security.getProvider("SunJCE"))).isFalse(); // no EC key pairs there
        assertThat(DtlsEcProvider.installed()).isFalse();
        assertThat(DtlsEcProvider.install(Security.getProvider("SunEC"))).isTrue();
        assertThat(DtlsEcProvider.install(Security.getProvider("SunEC"))).isFalse();
    }
}
