package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.device.DtlsEcProvider;
import java.nio.file.Path;
import java.security.Security;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DTLS handshakes with the Amazon Corretto Crypto Provider in the JVM: (1) the way the broker uses it,
 * loaded and handed explicitly to signature verifiers but not installed; (2) installed globally at
 * position 1, where every {@code Mac.getInstance("HmacSHA256")} Scandium makes returns ACCP's HMAC.
 */
class AccpDtlsTest {
    @TempDir
    Path dir;

    private static void assumeAccp() {
        assumeThat(AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError())
                .as("ACCP native library must load on this platform").isNull();
    }

    /** PSK, X.509 and RPK uploads plus a telemetry POST; each must complete its handshake. */
    private static void handshakeAll(EdgeFixture f) throws Exception {
        CoapClient psk = f.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"), "/authz-info");
        assertThat(psk.post(f.token("dev1"), MediaTypeRegistry.APPLICATION_CWT).getCode())
                .isEqualTo(ResponseCode.CREATED);
        TestPki.Issued cert = f.pki.client("x509dev");
        CoapClient x509 = f.x509Client(cert, "/authz-info");
        byte[] certToken = TestTokens.token("x509dev", f.in(Duration.ofMinutes(5)))
                .x5t(PeerIdentity.certThumbprint(cert.cert())).bytes();
        assertThat(x509.post(certToken, MediaTypeRegistry.APPLICATION_CWT).getCode()).isEqualTo(ResponseCode.CREATED);
        java.security.KeyPair keys = TestPki.ecKeyPair();
        CoapClient rpk = f.rpkClient(keys, "/authz-info");
        byte[] rpkToken = TestTokens.token("rpk1", f.in(Duration.ofMinutes(5)))
                .jkt(PeerIdentity.jwkThumbprint(keys.getPublic())).bytes();
        assertThat(rpk.post(rpkToken, MediaTypeRegistry.APPLICATION_CWT).getCode()).isEqualTo(ResponseCode.CREATED);
        x509.setURI(f.coaps("/d/x509dev/up/t"));
        assertThat(x509.post("1", MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(ResponseCode.CHANGED);
    }

    /** The root cause, without DTLS: ACCP's HMAC touches the previous (destroyed) key on re-init. */
    @Test
    void accpHmacReInitWithScandiumsDestroyedSecretThrows() throws Exception {
        assumeAccp();
        javax.crypto.Mac accp = javax.crypto.Mac.getInstance("HmacSHA256", AmazonCorrettoCryptoProvider.INSTANCE);
        javax.crypto.SecretKey first = org.eclipse.californium.scandium.util.SecretUtil.create(new byte[32], "Mac");
        accp.init(first);
        org.eclipse.californium.scandium.util.SecretUtil.destroy(first);
        javax.crypto.SecretKey second = org.eclipse.californium.scandium.util.SecretUtil.create(new byte[] {1, 2}, "Mac");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> accp.init(second))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("secret destroyed");
        javax.crypto.Mac jdk = javax.crypto.Mac.getInstance("HmacSHA256", new JdkHmacProvider());
        javax.crypto.SecretKey third = org.eclipse.californium.scandium.util.SecretUtil.create(new byte[32], "Mac");
        jdk.init(third);
        org.eclipse.californium.scandium.util.SecretUtil.destroy(third);
        jdk.init(second); // fine: SunJCE copies the key bytes at init
        assertThat(jdk.doFinal(new byte[] {42})).hasSize(32);
    }

    @Test
    void handshakesWorkWithAccpLoadedButNotInstalled() throws Exception {
        assumeAccp();
        Signature s = Signature.getInstance("SHA256withECDSA", AmazonCorrettoCryptoProvider.INSTANCE);
        s.initSign(TestPki.ecKeyPair().getPrivate()); // ACCP is live in this JVM, used explicitly
        assertThat(s.getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
        try (EdgeFixture f = new EdgeFixture(dir)) {
            handshakeAll(f);
        }
    }

    /** ECDHE-PSK, X.509 and RPK handshakes (ECDHE, the last two with ECDSA) with the broker's native EC installed. */
    @Test
    void handshakesWorkWithNativeDtlsEc() throws Exception {
        assumeAccp();
        boolean installedHere = CryptoProviders.installNativeDtlsEc();
        try (EdgeFixture f = new EdgeFixture(dir)) {
            assertThat(java.security.KeyPairGenerator.getInstance("EC").getProvider().getName())
                    .isEqualTo(DtlsEcProvider.NAME);
            Signature ecdsa = Signature.getInstance("SHA256withECDSA");
            ecdsa.initSign(TestPki.ecKeyPair().getPrivate());
            assertThat(ecdsa.getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
            handshakeAll(f);
            Configuration c = EdgeFixture.clientConfig();
            c.set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256));
            CoapClient ecdhePsk = f.pskClient("dev2", DerivedPskStore.derive(EdgeFixture.MASTER, "dev2"),
                    f.coaps("/authz-info"), c);
            assertThat(ecdhePsk.post(f.token("dev2"), MediaTypeRegistry.APPLICATION_CWT).getCode())
                    .isEqualTo(ResponseCode.CREATED);
        } finally {
            if (installedHere) {
                DtlsEcProvider.remove();
            }
        }
    }

    @Test
    void handshakesWorkWithAccpInstalledGlobally() throws Exception {
        assumeAccp();
        int position = Security.insertProviderAt(AmazonCorrettoCryptoProvider.INSTANCE, 1);
        try {
            assertThat(javax.crypto.Mac.getInstance("HmacSHA256").getProvider().getName())
                    .isEqualTo("AmazonCorrettoCryptoProvider");
            try (EdgeFixture f = new EdgeFixture(dir)) { // start() detects ACCP and keeps HMAC on SunJCE
                assertThat(javax.crypto.Mac.getInstance("HmacSHA256").getProvider().getName())
                        .isEqualTo(JdkHmacProvider.NAME);
                assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName())
                        .isEqualTo("AmazonCorrettoCryptoProvider");
                handshakeAll(f);
            }
        } finally {
            JdkHmacProvider.remove();
            if (position != -1) {
                Security.removeProvider(AmazonCorrettoCryptoProvider.INSTANCE.getName());
            }
        }
    }
}
