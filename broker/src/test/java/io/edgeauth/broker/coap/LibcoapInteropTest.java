package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with libcoap's {@code coap-client} (Debian: {@code apt-get install libcoap3-bin}, which
 * installs {@code coap-client-openssl} / {@code -gnutls}): PSK DTLS upload of a token to {@code /authz-info},
 * then a telemetry POST in a new DTLS session that the router receives. Skipped when no client is installed.
 */
class LibcoapInteropTest {
    @TempDir
    Path dir;

    static String findClient() {
        String path = System.getenv("PATH");
        for (String name : List.of("coap-client", "coap-client-openssl", "coap-client-gnutls")) {
            for (String d : (path == null ? "" : path).split(File.pathSeparator)) {
                File f = new File(d, name);
                if (f.canExecute()) {
                    return f.getAbsolutePath();
                }
            }
        }
        return null;
    }

    /** A device id whose derived PSK has no zero byte (coap-client takes the key as a C string). */
    static String deviceWithPrintablePsk() {
        for (int i = 0; ; i++) {
            String id = "lib" + i;
            byte[] psk = DerivedPskStore.derive(EdgeFixture.MASTER, id);
            boolean zero = false;
            for (byte b : psk) {
                zero |= b == 0;
            }
            if (!zero) {
                return id;
            }
        }
    }

    private static String escaped(byte[] key) {
        StringBuilder sb = new StringBuilder();
        for (byte b : key) {
            sb.append(String.format("\\x%02x", b & 0xff));
        }
        return sb.toString();
    }

    private static String run(String client, String id, byte[] psk, List<String> args) throws Exception {
        // the binary key goes through bash's printf so no byte is mangled by Java's argv encoding
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c",
                "exec \"$CLIENT\" -u \"$ID\" -k \"$(printf '%b' \"$KEY\")\" -B 10 \"$@\"", "coap-client");
        pb.command().addAll(args);
        pb.environment().put("CLIENT", client);
        pb.environment().put("ID", id);
        pb.environment().put("KEY", escaped(psk));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("coap-client finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("coap-client exit code, output: %s", out).isZero();
        return out;
    }

    @Test
    void pskUploadThenTelemetryWithLibcoap() throws Exception {
        String client = findClient();
        assumeThat(client).as("libcoap coap-client not on PATH (apt-get install libcoap3-bin)").isNotNull();
        try (EdgeFixture f = new EdgeFixture(dir)) {
            String id = deviceWithPrintablePsk();
            f.register(id);
            byte[] psk = DerivedPskStore.derive(EdgeFixture.MASTER, id);
            Path token = dir.resolve("token.cwt");
            Files.write(token, f.token(id));

            String upload = run(client, id, psk, List.of("-m", "post", "-t", "61", "-f", token.toString(),
                    f.coaps("/authz-info")));
            assertThat(upload).doesNotContain("4.0", "5.0");
            await().atMost(Duration.ofSeconds(5)).until(() -> f.edge.sessionCount() == 1);

            String post = run(client, id, psk, List.of("-m", "post", "-e", "hello-from-libcoap",
                    f.coaps("/d/" + id + "/up/temp")));
            assertThat(post).doesNotContain("4.0", "5.0");
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    f.messaging.published("default", "d/" + id + "/up/temp").size() == 1);
            assertThat(f.messaging.published().get(0).text()).isEqualTo("hello-from-libcoap");
        }
    }
}
