package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour R, R16: a DTLS device with a connection ID (RFC 9146) whose address changes (a NAT rebinding) keeps getting
 * its commands: the edge sends notifications to the address its latest record came from, not to the registration's.
 */
class DtlsConnectionIdObserveTest {
    @TempDir
    Path dir;
    private EdgeFixture f;
    private RebindingRelay relay;

    @BeforeEach
    void setUp() throws Exception {
        f = new EdgeFixture(dir);
        relay = new RebindingRelay(new InetSocketAddress("127.0.0.1", f.edge.dtlsPort()));
    }

    @AfterEach
    void tearDown() {
        relay.close();
        f.close();
    }

    @Test
    void afterANatRebindingNotificationsGoToTheDevicesNewAddress() throws Exception {
        byte[] psk = DerivedPskStore.derive(EdgeFixture.MASTER, "dev1");
        CoapClient c = f.pskClient("dev1", psk, "coaps://127.0.0.1:" + relay.port() + "/authz-info",
                EdgeFixture.clientConfig());
        assertThat(CoapEdgeTest.upload(c, f.token("dev1")).getCode()).isEqualTo(ResponseCode.CREATED);
        c.setURI("coaps://127.0.0.1:" + relay.port() + "/d/dev1/down");
        CoapEdgeTest.Notes notes = new CoapEdgeTest.Notes();
        CoapObserveRelation rel = c.observeAndWait(notes);
        await().atMost(Duration.ofSeconds(10)).until(() -> f.edge.observerCount() == 1);
        f.messaging.publish("default", "d/dev1/down", "before".getBytes(StandardCharsets.UTF_8), null, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> notes.texts().contains("before"));

        relay.rebind(); // the NAT gives the device another source port
        assertThat(CoapEdgeTest.post(c, "/d/dev1/up/t", "from-the-new-port").getCode())
                .isEqualTo(ResponseCode.CHANGED);
        f.messaging.publish("default", "d/dev1/down", "after".getBytes(StandardCharsets.UTF_8), null, null);
        await().atMost(Duration.ofSeconds(8)).until(() -> notes.texts().contains("after"));
        assertThat(notes.texts()).containsExactly("before", "after");
        rel.proactiveCancel();
    }

    /**
     * A UDP relay in front of the edge, a NAT in miniature: it forwards the client's datagrams from one source port,
     * and after {@link #rebind()} from another; what the edge sends to the old port is lost.
     */
    static final class RebindingRelay implements AutoCloseable {
        private final DatagramSocket front = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        private final InetSocketAddress server;
        private volatile DatagramSocket back;
        private volatile SocketAddress client;

        RebindingRelay(InetSocketAddress server) throws IOException {
            this.server = server;
            this.back = upstream();
            daemon(this::fromClient, "relay-from-client");
        }

        int port() {
            return front.getLocalPort();
        }

        void rebind() throws IOException {
            DatagramSocket old = back;
            back = upstream();
            old.close();
        }

        private DatagramSocket upstream() throws IOException {
            DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            daemon(() -> fromServer(s), "relay-from-server");
            return s;
        }

        private static void daemon(Runnable r, String name) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.start();
        }

        private void fromClient() {
            byte[] buffer = new byte[4096];
            while (!front.isClosed()) {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try {
                    front.receive(p);
                    client = p.getSocketAddress();
                    back.send(new DatagramPacket(p.getData(), p.getLength(), server));
                } catch (IOException e) {
                    // closed, or the upstream socket was being replaced: the datagram is lost, as in a NAT
                }
            }
        }

        private void fromServer(DatagramSocket s) {
            byte[] buffer = new byte[4096];
            while (!s.isClosed()) {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try {
                    s.receive(p);
                    if (client != null) {
                        front.send(new DatagramPacket(p.getData(), p.getLength(), client));
                    }
                } catch (IOException e) {
                    // closed
                }
            }
        }

        @Override
        public void close() {
            front.close();
            back.close();
        }
    }
}
