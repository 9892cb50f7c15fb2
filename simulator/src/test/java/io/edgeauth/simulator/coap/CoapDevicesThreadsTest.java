package io.edgeauth.simulator.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.UDPConnector;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.junit.jupiter.api.Test;

/**
 * Many CoAP sessions open at once cost sockets, not threads: one loop reads every session's socket, where each
 * DTLS session used to have a Scandium receiver thread blocked on its own, and each plain-CoAP session a receiver
 * and a sender thread of Californium's UDP connector.
 */
class CoapDevicesThreadsTest {
    private static final int SESSIONS = 24;

    @Test
    void openDtlsSessionsAddNoThreadPerSession() throws Exception {
        AdvancedMultiPskStore psks = new AdvancedMultiPskStore();
        for (int i = 0; i < SESSIONS; i++) {
            psks.setKey(device(i), psk(i));
        }
        CoapServer server = server(psks);
        server.start();
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getEndpoints().get(0).getAddress().getPort());
        CoapOptions options = new CoapOptions(at, true, false, false, false, false, false, false, false);
        List<CoapLink> links = new ArrayList<>();
        try (CoapDevices devices = new CoapDevices(options, List.of(), 2)) {
            int added = threadsAddedByOpenSessions(devices, true, links);
            assertThat(links).allMatch(l -> l.handshakeNanos() >= 0);
            assertThat(added).as("threads added by %d open DTLS sessions", SESSIONS - 1).isLessThan(SESSIONS / 4);
            assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("DTLS-Receiver"))
                    .as("Scandium receiver threads: the test server's only").hasSize(1);
            links.forEach(l -> l.close(true));
        } finally {
            server.destroy();
        }
    }

    @Test
    void openPlainCoapSessionsAddNoThreadPerSession() throws Exception {
        CoapServer server = server(null);
        server.start();
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getEndpoints().get(0).getAddress().getPort());
        CoapOptions options = new CoapOptions(at, false, false, false, false, false, false, false, false);
        List<CoapLink> links = new ArrayList<>();
        try (CoapDevices devices = new CoapDevices(options, List.of(), 2)) {
            int added = threadsAddedByOpenSessions(devices, false, links);
            assertThat(added).as("threads added by %d open plain-CoAP sessions", SESSIONS - 1)
                    .isLessThan(SESSIONS / 4);
            assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("UDP-"))
                    .as("Californium UDP threads: the test server's only").hasSize(2);
            links.forEach(l -> l.close(true));
        } finally {
            server.destroy();
        }
    }

    /**
     * Opens {@link #SESSIONS} sessions into {@code links} and checks each: one first (the shared pool's threads start
     * on its first tasks), then the others at once. Returns the threads those others added.
     */
    private static int threadsAddedByOpenSessions(CoapDevices devices, boolean dtls, List<CoapLink> links)
            throws Exception {
        CoapLink first = devices.open(device(0), dtls ? psk(0) : null);
        links.add(first);
        first.check(device(0)).get(30, TimeUnit.SECONDS);
        int before = Thread.getAllStackTraces().size();
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (int i = 1; i < SESSIONS; i++) {
            CoapLink link = devices.open(device(i), dtls ? psk(i) : null);
            links.add(link);
            checks.add(link.check(device(i)));
        }
        CompletableFuture.allOf(checks.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        return Thread.getAllStackTraces().size() - before;
    }

    private static String device(int i) {
        return "sim-threads-" + i;
    }

    private static byte[] psk(int i) {
        return ("psk-of-device-" + i + "-0123456789").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A DTLS-PSK server (plain CoAP, one receiver and one sender thread, if {@code psks} is null) whose
     * {@code /d/{id}/down} answers 2.05 to any device id.
     */
    private static CoapServer server(AdvancedMultiPskStore psks) {
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY);
        c.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
        c.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        c.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        CoapServer server = new CoapServer(c);
        if (psks == null) {
            server.addEndpoint(CoapEndpoint.builder().setConfiguration(c).setConnector(new UDPConnector(any, c)).build());
        } else {
            DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(c).setAddress(any).setAdvancedPskStore(psks).build();
            server.addEndpoint(CoapEndpoint.builder().setConfiguration(c).setConnector(new DTLSConnector(dtls)).build());
        }
        CoapResource down = new CoapResource("down") {
            @Override
            public void handleGET(CoapExchange exchange) {
                exchange.respond(ResponseCode.CONTENT);
            }
        };
        server.add(new CoapResource("d") {
            @Override
            public Resource getChild(String name) {
                return new CoapResource(name) {
                    @Override
                    public Resource getChild(String child) {
                        return child.equals("down") ? down : null;
                    }
                };
            }
        });
        return server;
    }
}
