package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A factory's PEM key and certificate load with the JDK alone ({@code DeviceIdentity.fromPem}): Nimbus's own PEM
 * parser needs BouncyCastle's PKIX jar, which the SDK does not bring. The key pairs and certificates are made here
 * with the JDK's keytool.
 */
class DeviceIdentityPemTest {
    private static final String PASS = "changeit";
    private static final String AUD = "https://broker.example:8443/oauth/token";

    @TempDir
    static Path dir;
    private static KeyStore keys;

    @BeforeAll
    static void makeKeys() throws Exception {
        keytool("-genkeypair", "-alias", "ec", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=pump-1");
        keytool("-genkeypair", "-alias", "ec2", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=pump-2");
        keytool("-genkeypair", "-alias", "ed", "-keyalg", "Ed25519", "-dname", "CN=pump-3");
        keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("keys.p12"))) {
            keys.load(in, PASS.toCharArray());
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-validity", "30", "-keystore", "keys.p12", "-storetype", "PKCS12", "-storepass", PASS));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
    }

    private static PrivateKey key(String alias) throws Exception {
        return (PrivateKey) keys.getKey(alias, PASS.toCharArray());
    }

    private static X509Certificate cert(String alias) throws Exception {
        return (X509Certificate) keys.getCertificate(alias);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The SEC1 ECPrivateKey inside a PKCS#8 PrivateKeyInfo (its last element, an OCTET STRING): OpenSSL's "EC PRIVATE KEY". */
    private static byte[] sec1(byte[] pkcs8) {
        int[] outer = header(pkcs8, 0);
        int at = outer[0];
        int end = outer[0] + outer[1];
        int[] last = null;
        while (at < end) {
            last = header(pkcs8, at);
            last = new int[] {last[0], last[1], pkcs8[at]};
            at = last[0] + last[1];
        }
        assertThat(last[2]).isEqualTo(0x04);
        return Arrays.copyOfRange(pkcs8, last[0], last[0] + last[1]);
    }

    /** {content offset, content length} of the DER element at {@code at}. */
    private static int[] header(byte[] der, int at) {
        int len = der[at + 1] & 0xff;
        if (len < 0x80) {
            return new int[] {at + 2, len};
        }
        int n = len & 0x7f;
        int value = 0;
        for (int i = 0; i < n; i++) {
            value = value << 8 | der[at + 2 + i] & 0xff;
        }
        return new int[] {at + 2 + n, value};
    }

    @Test
    void aPkcs8EcKeyAndItsCertificateMakeAnIdentityThatSignsAssertionsTheCertificateVerifies() throws Exception {
        String keyPem = pem("PRIVATE KEY", key("ec").getEncoded());
        String certPem = pem("CERTIFICATE", cert("ec").getEncoded());

        DeviceIdentity id = DeviceIdentity.fromPem("pump-1", keyPem, certPem);
        assertThat(id.deviceId()).isEqualTo("pump-1");
        assertThat(id.keyType()).isEqualTo(DeviceIdentity.KeyType.EC_P256);
        List<X509Certificate> chain = DeviceIdentity.certificatesFromPem(certPem);
        assertThat(chain).containsExactly(cert("ec"));

        SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(id).audience(AUD).certificateChain(chain).build().create());
        assertThat(jwt.verify(new ECDSAVerifier((ECPublicKey) cert("ec").getPublicKey()))).isTrue();
        assertThat(jwt.getHeader().getX509CertChain()).hasSize(1);
    }

    @Test
    void opensslsEcPrivateKeyFormLoadsToo() throws Exception {
        String keyPem = pem("EC PRIVATE KEY", sec1(key("ec").getEncoded()));
        DeviceIdentity id = DeviceIdentity.fromPem("pump-1", keyPem, pem("CERTIFICATE", cert("ec").getEncoded()));
        DeviceIdentity pkcs8 = DeviceIdentity.fromPem("pump-1", pem("PRIVATE KEY", key("ec").getEncoded()),
                pem("CERTIFICATE", cert("ec").getEncoded()));
        assertThat(id.thumbprint()).isEqualTo(pkcs8.thumbprint());
        SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(id).audience(AUD).build().create());
        assertThat(jwt.verify(new ECDSAVerifier((ECPublicKey) cert("ec").getPublicKey()))).isTrue();
    }

    @Test
    void anEd25519KeyLoadsAndSignsWhatItsCertificateVerifies() throws Exception {
        DeviceIdentity id = DeviceIdentity.fromPem("pump-3", pem("PRIVATE KEY", key("ed").getEncoded()),
                pem("CERTIFICATE", cert("ed").getEncoded()));
        assertThat(id.keyType()).isEqualTo(DeviceIdentity.KeyType.ED25519);
        SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(id).audience(AUD).build().create());
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(cert("ed").getPublicKey());
        v.update(jwt.getSigningInput());
        assertThat(v.verify(jwt.getSignature().decode())).isTrue();
    }

    @Test
    void aChainFileKeepsItsOrderAndTheLeafComesFirst() throws Exception {
        String chainPem = pem("CERTIFICATE", cert("ec").getEncoded()) + pem("CERTIFICATE", cert("ec2").getEncoded());
        assertThat(DeviceIdentity.certificatesFromPem(chainPem)).containsExactly(cert("ec"), cert("ec2"));
        // the key goes with the first certificate of the file
        DeviceIdentity id = DeviceIdentity.fromPem("pump-1", pem("PRIVATE KEY", key("ec").getEncoded()), chainPem);
        assertThat(id.keyType()).isEqualTo(DeviceIdentity.KeyType.EC_P256);
    }

    @Test
    void aKeyThatIsNotTheCertificatesOrNoKeyAtAllIsRefusedSayingWhy() throws Exception {
        String ec2Cert = pem("CERTIFICATE", cert("ec2").getEncoded());
        assertThatThrownBy(() -> DeviceIdentity.fromPem("pump-1", pem("PRIVATE KEY", key("ec").getEncoded()), ec2Cert))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
        assertThatThrownBy(() -> DeviceIdentity.fromPem("pump-1", pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2}), ec2Cert))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encrypted");
        assertThatThrownBy(() -> DeviceIdentity.fromPem("pump-1", "not a pem", ec2Cert))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PRIVATE KEY");
        assertThatThrownBy(() -> DeviceIdentity.fromPem("pump-1", pem("PRIVATE KEY", key("ec").getEncoded()), "nothing"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CERTIFICATE");
    }
}
