package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.simulator.SimulatorRuns.Outcome;
import io.edgeauth.simulator.fleet.FleetIdentities;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.Record;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CoAP POST whose DTLS handshake fails never left the device, so the run does not count it as published. A
 * Californium DTLS server stands in for the broker's CoAP port (the in-process broker onboards the devices and
 * issues their tokens over HTTP): it takes each device's first handshake and token upload, then ends the session
 * (close_notify) and refuses the device's next handshake (a fatal handshake_failure alert), so the telemetry POST's
 * new handshake fails and the POST is never sent ({@code publish:send_error}). The run used to count those POSTs as
 * published ({@code published=3 acked=0}, and the verdict added {@code QoS 1 messages acknowledged 0 of 3} beside the
 * failure). The upload's answer and the close_notify leave in one datagram, so the device has the close before it
 * could send its POST over the old session.
 */
class CoapPublishSentRunTest {
    private static final String PREFIX = "coapsent";
    private static final int DEVICES = 3;

    @TempDir
    Path dir;

    @Test
    void aPostWhoseHandshakeFailsIsNotPublished() throws Exception {
        FleetIdentities fleet = new FleetIdentities(InProcessBroker.SEED, PREFIX, DeviceIdentity.KeyType.EC_P256);
        AdvancedMultiPskStore psks = new AdvancedMultiPskStore();
        for (int i = 0; i < DEVICES; i++) {
            psks.setKey(fleet.deviceId(i), fleet.psk(i));
        }
        Configuration config = Configuration.createStandardWithoutFile();
        CoalescingDtlsConnector dtls = new CoalescingDtlsConnector(DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
                .set(DtlsConfig.DTLS_SERVER_USE_SESSION_ID, false) // no resumption: the next session is a full handshake
                .setAdvancedPskStore(psks).build());
        CoapServer server = new CoapServer(config);
        server.addEndpoint(new CoapEndpoint.Builder().setConfiguration(config).setConnector(dtls).build());
        AtomicInteger uploads = new AtomicInteger();
        AtomicInteger posts = new AtomicInteger();
        server.add(new CoapResource("authz-info") {
            @Override
            public void handlePOST(CoapExchange ex) {
                // the device's session ends with the answer, and its next handshake is refused
                InetSocketAddress peer = ex.advanced().getRequest().getSourceContext().getPeerAddress();
                dtls.holdNext(peer);
                ex.respond(ResponseCode.CREATED);
                dtls.close(peer);
                uploads.incrementAndGet();
            }
        });
        server.add(new CoapResource("d") { // any /d/... telemetry that reached this server: 2.04
            @Override
            public Resource getChild(String name) {
                return this;
            }

            @Override
            public void handlePOST(CoapExchange ex) {
                posts.incrementAndGet();
                ex.respond(ResponseCode.CHANGED);
            }
        });
        server.start();
        try (InProcessBroker broker = new InProcessBroker(dir, Map.of())) {
            Outcome o = SimulatorRuns.run(broker, dir, PREFIX, "--protocol", "coap", "--coap",
                    "127.0.0.1:" + dtls.getAddress().getPort(), "--coap-security", "psk", "--devices", Integer.toString(DEVICES),
                    "--arrival-rate", "10", "--no-metrics");
            assertThat(uploads).as(o.text()).hasValue(DEVICES);
            assertThat(o.result().totals().honestAccepted()).as(o.text()).isEqualTo(DEVICES);
            assertThat(o.result().failures()).as(o.text()).containsOnly(Map.entry("publish:send_error", (long) DEVICES));
            assertThat(posts).hasValue(0);
            // never sent, so not published: counted, they read as sent and unacknowledged
            assertThat(o.result().totals().published()).as(o.text()).isZero();
            assertThat(o.result().totals().acked()).isZero();
            assertThat(o.result().verdict().problems()).containsExactly("publish:send_error x" + DEVICES);
            assertThat(o.text()).contains(" published=0 acked=0 ");
        } finally {
            server.destroy();
        }
    }

    /**
     * Sends the next datagram to a peer given to {@link #holdNext} together with the one after it (DTLS records are
     * self-delimiting): the upload's answer and the close_notify arrive at once, and the device handles them in order,
     * so its POST cannot leave over the old session before the close. Then refuses that peer's handshakes.
     */
    private static final class CoalescingDtlsConnector extends DTLSConnector {
        private final Map<SocketAddress, Optional<byte[]>> held = new ConcurrentHashMap<>();
        private final Set<SocketAddress> refused = ConcurrentHashMap.newKeySet();

        CoalescingDtlsConnector(DtlsConnectorConfig config) {
            super(config);
        }

        /** The next two datagrams to {@code peer} leave as one; from then on its handshakes are refused. */
        void holdNext(InetSocketAddress peer) {
            held.put(peer, Optional.empty());
            refused.add(peer);
        }

        /**
         * A refused peer's handshake is answered at its first plaintext record after the ClientHello with a fatal
         * handshake_failure alert, so it fails at once (a server that does not know the PSK lets the device's handshake
         * time out after about a minute of retransmissions).
         */
        @Override
        public void processRecord(Record record, Connection connection) {
            if (!refused.contains(record.getPeerAddress()) || held.containsKey(record.getPeerAddress()) || record.getEpoch() != 0) {
                super.processRecord(record, connection);
                return;
            }
            // a plaintext DTLS 1.2 record: alert, epoch 0, a sequence number past the handshake's, length 2: fatal (2),
            // handshake_failure (40)
            byte[] alert = {21, (byte) 0xfe, (byte) 0xfd, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 2, 2, 40};
            try {
                super.sendNextDatagramOverNetwork(new DatagramPacket(alert, alert.length, record.getPeerAddress()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        protected void sendNextDatagramOverNetwork(DatagramPacket datagram) throws IOException {
            SocketAddress peer = datagram.getSocketAddress();
            byte[] data = Arrays.copyOfRange(datagram.getData(), datagram.getOffset(), datagram.getOffset() + datagram.getLength());
            Optional<byte[]> first = held.get(peer);
            if (first == null) {
                super.sendNextDatagramOverNetwork(datagram);
            } else if (first.isEmpty()) {
                held.put(peer, Optional.of(data));
            } else {
                held.remove(peer);
                byte[] both = Arrays.copyOf(first.get(), first.get().length + data.length);
                System.arraycopy(data, 0, both, first.get().length, data.length);
                super.sendNextDatagramOverNetwork(new DatagramPacket(both, both.length, peer));
            }
        }
    }
}
