package io.edgeauth.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the MQTT TLS listener offers, asked with {@code openssl s_client}: TLS 1.3 and 1.2 with AEAD
 * suites only; TLS 1.1 and CBC/SHA-1 suites such as {@code ECDHE-ECDSA-AES128-SHA} are refused.
 * Skips without openssl, unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true.
 */
class MqttTlsPostureTest {
    private static final String PASS = "changeit";
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");
    @TempDir
    static Path dir;
    private static EdgeFixture fx;

    @BeforeAll
    static void start() throws Exception {
        boolean tool = Files.isExecutable(OPENSSL);
        if (!tool && "true".equals(System.getenv("EDGEAUTH_REQUIRE_INTEROP_TOOLS"))) {
            throw new IllegalStateException("EDGEAUTH_REQUIRE_INTEROP_TOOLS=true but " + OPENSSL + " is missing");
        }
        assumeTrue(tool, "openssl not installed: TLS posture not checked");
        run(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "server",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-validity", "2",
                "-keystore", "server.p12", "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS));
        MqttSettings.Tls tls = new MqttSettings.Tls(dir.resolve("server.p12"), PASS, null, PASS, MqttSettings.ClientAuth.NONE);
        fx = new EdgeFixture(MqttSettings.plain(-1).withTls(0, tls));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private static boolean handshake(String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(OPENSSL.toString(), "s_client", "-connect", "127.0.0.1:" + fx.edge.tlsPort()));
        cmd.addAll(List.of(options));
        String out = run(cmd);
        return out.contains("Cipher is ") && !out.contains("Cipher is (NONE)");
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close(); // s_client: end of input after the handshake
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void aeadSuitesOverTls12AndTls13AreAccepted() throws Exception {
        assertThat(handshake("-tls1_3")).isTrue();
        assertThat(handshake("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")).isTrue();
        assertThat(handshake("-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305")).isTrue();
    }

    @Test
    void cbcAndSha1SuitesAreRefused() throws Exception {
        assertThat(handshake("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA")).isFalse();
        assertThat(handshake("-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-SHA384")).isFalse();
        assertThat(handshake("-tls1_2", "-cipher", "AES256-SHA")).isFalse();
    }

    @Test
    void oldProtocolVersionsAreRefused() throws Exception {
        assertThat(handshake("-tls1_1", "-cipher", "ALL:@SECLEVEL=0")).isFalse();
        assertThat(handshake("-tls1", "-cipher", "ALL:@SECLEVEL=0")).isFalse();
    }
}
