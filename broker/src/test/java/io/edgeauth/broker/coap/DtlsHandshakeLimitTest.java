package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.admission.AdmissionControl;
import io.edgeauth.broker.admission.AdmissionLimits;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DTLS listener admits handshakes on the node's handshake limit: with the only place held by a handshake that
 * stalls (its client's flights are held back by a relay after the cookie exchange), a second device's ClientHellos
 * are dropped, and counted, until the first handshake ends; then the second device's own retransmission gets it in.
 */
class DtlsHandshakeLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void aClientHelloBeyondTheLimitIsDroppedUntilThePendingHandshakeEnds() throws Exception {
        // a thread per upload: each blocks until answered, and the common pool may have a single thread
        ExecutorService uploads = Executors.newCachedThreadPool();
        try (EdgeFixture f = new EdgeFixture(dir);
             HoldingRelay relay = new HoldingRelay(new InetSocketAddress("127.0.0.1", f.edge.dtlsPort()), 2)) {
            AdmissionControl admission = new AdmissionControl(new AdmissionLimits(1000, 4, 1), f.meters);
            f.edge.admission(admission);
            CoapClient stalled = f.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"),
                    "coaps://127.0.0.1:" + relay.port() + "/authz-info", quickRetransmissions());
            stalled.setTimeout(WAIT.toMillis() * 2);
            CompletableFuture<CoapResponse> first = CompletableFuture.supplyAsync(() -> upload(stalled, f.token("dev1")),
                    uploads);
            await().atMost(WAIT).until(() -> admission.pendingHandshakes() == 1); // its cookie exchange got through

            CoapClient next = f.pskClient("dev2", DerivedPskStore.derive(EdgeFixture.MASTER, "dev2"),
                    f.coaps("/authz-info"), quickRetransmissions());
            next.setTimeout(WAIT.toMillis() * 2);
            CompletableFuture<CoapResponse> second = CompletableFuture.supplyAsync(() -> upload(next, f.token("dev2")), uploads);
            await().atMost(WAIT).until(() -> shed(f) >= 2); // its ClientHello, then a retransmission of it
            assertThat(second).as("no handshake while the only place is held").isNotDone();
            assertThat(admission.pendingHandshakes()).isEqualTo(1);

            relay.release();
            assertThat(first.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS)).as("no timeout").isNotNull()
                    .extracting(CoapResponse::getCode).isEqualTo(ResponseCode.CREATED);
            assertThat(second.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS)).as("no timeout").isNotNull()
                    .extracting(CoapResponse::getCode).isEqualTo(ResponseCode.CREATED);
            await().atMost(WAIT).until(() -> admission.pendingHandshakes() == 0);
        } finally {
            uploads.shutdownNow();
        }
    }

    private static CoapResponse upload(CoapClient c, byte[] token) {
        try {
            return c.post(token, MediaTypeRegistry.APPLICATION_CWT);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double shed(EdgeFixture f) {
        var c = f.meters.find("edgeauth.admission.handshakes.shed").tag("edge", "coap").counter();
        return c == null ? 0 : c.count();
    }

    /**
     * A client that sends a flight again after 200 ms, doubling up to 500 ms, up to 60 times (RFC 6347 §4.2.4): so
     * that it comes back within half a second of the relay's release, however long a slow machine took until then.
     */
    private static Configuration quickRetransmissions() {
        Configuration c = EdgeFixture.clientConfig();
        c.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 200, TimeUnit.MILLISECONDS);
        c.set(DtlsConfig.DTLS_MAX_RETRANSMISSION_TIMEOUT, 500, TimeUnit.MILLISECONDS);
        c.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 60);
        return c;
    }

    /**
     * A UDP relay in front of the edge that forwards the client's first {@code pass} datagrams (ClientHello, then
     * ClientHello with the cookie), holds back the rest until {@link #release()}, and forwards every answer.
     */
    static final class HoldingRelay implements AutoCloseable {
        private final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        private final InetSocketAddress server;
        private final AtomicInteger fromClient = new AtomicInteger();
        private final AtomicBoolean released = new AtomicBoolean();
        private final int pass;
        private volatile SocketAddress client;

        HoldingRelay(InetSocketAddress server, int pass) throws IOException {
            this.server = server;
            this.pass = pass;
            Thread t = new Thread(this::relay, "dtls-holding-relay");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        void release() {
            released.set(true);
        }

        private void relay() {
            byte[] buffer = new byte[2048];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(p);
                    if (server.equals(p.getSocketAddress())) {
                        if (client != null) {
                            socket.send(new DatagramPacket(p.getData(), p.getLength(), client));
                        }
                    } else {
                        client = p.getSocketAddress();
                        if (fromClient.incrementAndGet() <= pass || released.get()) {
                            socket.send(new DatagramPacket(p.getData(), p.getLength(), server));
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
