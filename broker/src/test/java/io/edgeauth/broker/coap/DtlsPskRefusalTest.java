package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.californium.core.CoapClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour O, F3: a DTLS handshake refused for a wrong PSK or an unusable PSK identity left no trace. Now each is one
 * {@code dtls.refused} audit event naming the identity (a device id, not a secret) and the peer, and a metric by reason.
 */
class DtlsPskRefusalTest {
    @TempDir
    Path dir;

    private static void tryOnce(CoapClient client) {
        client.setTimeout(1500L);
        try {
            client.post("21.5", 0);
        } catch (Exception e) {
            // the handshake fails: what the client sees is not the point
        } finally {
            client.shutdown();
        }
    }

    private static double refused(EdgeFixture f, String reason) {
        var c = f.meters.find("edgeauth.coap.dtls.refused").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aWrongPskIsAuditedWithTheIdentityAndThePeerAndCounted() throws Exception {
        try (EdgeFixture f = new EdgeFixture(dir)) {
            tryOnce(f.pskClient("dev1", "wrongpsk-wrongpsk-wrongpsk-1234".getBytes(), "/d/dev1/up/temp"));
            await().atMost(Duration.ofSeconds(10)).until(() -> refused(f, "bad_psk") == 1);
            assertThat(f.auditLines).filteredOn(l -> l.startsWith("dtls.refused bad_psk")).singleElement()
                    .satisfies(l -> assertThat(l).contains("psk_identity=dev1").contains("peer=udp:127.0.0.1:"));
            assertThat(String.join("\n", f.auditLines)).doesNotContain("wrongpsk");
        }
    }

    @Test
    void anUnusableIdentityIsAuditedAndCounted() throws Exception {
        try (EdgeFixture f = new EdgeFixture(dir)) {
            tryOnce(f.pskClient("no/such#dev", "wrongpsk-wrongpsk-wrongpsk-1234".getBytes(), "/d/dev1/up/temp"));
            await().atMost(Duration.ofSeconds(10)).until(() -> refused(f, "unknown_psk_identity") == 1);
            assertThat(f.auditLines).filteredOn(l -> l.startsWith("dtls.refused unknown_psk_identity")).singleElement()
                    .satisfies(l -> assertThat(l).contains("psk_identity=no/such#dev").contains("peer=udp:127.0.0.1:"));
        }
    }
}
