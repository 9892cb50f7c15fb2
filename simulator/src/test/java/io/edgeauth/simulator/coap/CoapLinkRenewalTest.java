package io.edgeauth.simulator.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.device.TokenFormat;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A simulated device's link renews its DTLS session after two unanswered transmissions, as a device on the SDK does,
 * and reports the renewal as a full handshake or a resumption. Against a Californium DTLS server standing in for the
 * broker, with the simulator's standard CoAP timeouts and a renewal after two unanswered transmissions (6 to 9 s).
 */
class CoapLinkRenewalTest {
    private static final String DEVICE = "sim-renew-1";
    private static final byte[] PSK = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final List<String> renewals = new CopyOnWriteArrayList<>();
    private CoapServer server;
    private DTLSConnector serverDtls;
    private CoapDevices devices;
    private CoapLink link;

    private void start() throws IOException {
        Configuration config = Configuration.createStandardWithoutFile();
        int port; // fixed, so the server started again is where the link left it
        try (DatagramSocket free = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        serverDtls = new DTLSConnector(DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
                .setAdvancedPskStore(new AdvancedSinglePskStore(DEVICE, PSK)).build());
        server = new CoapServer(config);
        server.addEndpoint(new CoapEndpoint.Builder().setConfiguration(config).setConnector(serverDtls).build());
        server.add(new CoapResource("authz-info") {
            @Override
            public void handlePOST(CoapExchange ex) {
                ex.respond(ResponseCode.CREATED);
            }
        });
        server.start();
        CoapOptions options = new CoapOptions(serverDtls.getAddress(), true, false, false, false, false, false, false,
                false, 2); // the SDK's default waits for the last retransmission (30 to 45 s)
        devices = new CoapDevices(options, List.of(InetAddress.getLoopbackAddress()), 1);
        link = devices.open(DEVICE, PSK);
        link.onRenewal((resumed, nanos) -> renewals.add(resumed ? "resumption" : "handshake"));
    }

    @AfterEach
    void stop() {
        if (link != null) {
            link.close(false);
        }
        if (devices != null) {
            devices.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void aRenewalThatCouldNeverHappenIsRefused() {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5684);
        assertThatThrownBy(() -> new CoapOptions(at, true, false, false, false, false, false, false, false, -2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CoapDevices(new CoapOptions(at, true, false, false, false, false, false, false,
                false, 5), List.of(InetAddress.getLoopbackAddress()), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MAX_RETRANSMIT (4)");
    }

    private CompletableFuture<Void> upload() {
        return link.uploadToken("t".getBytes(StandardCharsets.US_ASCII), TokenFormat.JWT);
    }

    @Test
    void aBrokerThatLostTheSessionIsReachedOverAFullHandshakeOnTheSameLink() throws Exception {
        start();
        upload().get(10, TimeUnit.SECONDS);
        assertThat(link.handshakeNanos()).isPositive();
        serverDtls.clearConnectionState(); // a broker restarted after a crash
        upload().get(20, TimeUnit.SECONDS); // without the renewal it fails with timeout after 62 to 93 s
        assertThat(renewals).containsExactly("handshake");
    }

    @Test
    void aBrokerThatWasAwayButKeptTheSessionIsReachedOverAnAbbreviatedHandshake() throws Exception {
        start();
        upload().get(10, TimeUnit.SECONDS);
        server.stop(); // away for a while, its sessions kept
        CompletableFuture<Void> during = upload();
        Thread.sleep(3_500); // the first two transmissions (at 0 and 2 to 3 s) go unanswered
        server.start();
        during.get(20, TimeUnit.SECONDS);
        assertThat(renewals).containsExactly("resumption");
    }
}
