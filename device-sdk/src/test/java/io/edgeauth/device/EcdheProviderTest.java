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

class EcdheProviderTest {
    @AfterEach
    void remove() {
        EcdheProvider.remove();
    }

    @Test
    void servesEcKeyPairsAndEcdhFromItsSourceFirstAndNothingElse() throws Exception {
        assertThat(EcdheProvider.install(Security.getProvider("SunEC"))).isTrue();
        assertThat(Security.getProviders()[0].getName()).isEqualTo(EcdheProvider.NAME);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        assertThat(g.getProvider().getName()).isEqualTo(EcdheProvider.NAME);
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair a = g.generateKeyPair();
        KeyPair b = g.generateKeyPair();
        KeyAgreement ab = KeyAgreement.getInstance("ECDH");
        ab.init(a.getPrivate());
        assertThat(ab.getProvider().getName()).isEqualTo(EcdheProvider.NAME);
        ab.doPhase(b.getPublic(), true);
        KeyAgreement ba = KeyAgreement.getInstance("ECDH", "SunEC");
        ba.init(b.getPrivate());
        ba.doPhase(a.getPublic(), true);
        assertThat(ab.generateSecret()).hasSize(32).isEqualTo(ba.generateSecret());
        assertThat(Mac.getInstance("HmacSHA256").getProvider().getName()).isNotEqualTo(EcdheProvider.NAME);
    }

    @Test
    void aSecondInstallAndASourceWithoutEcAreRefused() {
        assertThat(EcdheProvider.install(Security.getProvider("SunJCE"))).isFalse(); // no EC key pairs there
        assertThat(EcdheProvider.installed()).isFalse();
        assertThat(EcdheProvider.install(Security.getProvider("SunEC"))).isTrue();
        assertThat(EcdheProvider.install(Security.getProvider("SunEC"))).isFalse();
    }
}
