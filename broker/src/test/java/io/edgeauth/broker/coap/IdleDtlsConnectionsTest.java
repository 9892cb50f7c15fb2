package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DTLS connections of peers that left without close_notify end once silent without a token binding; a bound one
 * stays. Before, Scandium kept every connection until its store was full at {@code coap.maxSessions} (a soak found
 * 5,892 connections for 118 to 222 bound devices, about 1.5 KB each).
 */
class IdleDtlsConnectionsTest {
    @TempDir
    Path dir;

    @Test
    void aSilentConnectionWithoutABindingIsClosedAndABoundOneKept() throws Exception {
        try (EdgeFixture f = new EdgeFixture(dir)) {
            List<CoapClient> clients = new ArrayList<>();
            CoapClient bound = f.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"), "/authz-info");
            clients.add(bound);
            assertThat(bound.post(f.token("dev1"), MediaTypeRegistry.APPLICATION_CWT).getCode())
                    .isEqualTo(ResponseCode.CREATED);
            for (int i = 2; i <= 4; i++) { // handshaked, never bound a token (or its binding ended), then gone
                CoapClient gone = f.pskClient("dev" + i, DerivedPskStore.derive(EdgeFixture.MASTER, "dev" + i),
                        "/d/dev" + i + "/up/t");
                clients.add(gone);
                assertThat(gone.post("1", MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
            }
            assertThat(connections(f)).isEqualTo(4);
            f.edge.sweepIdleDtls(IdleDtlsConnections.IDLE).get(5, TimeUnit.SECONDS);
            assertThat(connections(f)).as("none silent for a day yet").isEqualTo(4);
            f.edge.sweepIdleDtls(Duration.ZERO).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(connections(f)).isEqualTo(1));
            bound.setURI(f.coaps("/d/dev1/up/t"));
            assertThat(bound.post("2", MediaTypeRegistry.TEXT_PLAIN).getCode()).as("the bound device goes on")
                    .isEqualTo(ResponseCode.CHANGED);
            clients.forEach(CoapClient::shutdown);
        }
    }

    private static int connections(EdgeFixture f) throws Exception {
        AtomicInteger n = new AtomicInteger();
        f.edge.dtlsConnector().startForEach(
                (org.eclipse.californium.elements.util.Filter<org.eclipse.californium.scandium.dtls.Connection>) c -> {
                    if (c.hasEstablishedDtlsContext()) {
                        n.incrementAndGet();
                    }
                    return false;
                }).get(5, TimeUnit.SECONDS);
        return n.get();
    }
}
