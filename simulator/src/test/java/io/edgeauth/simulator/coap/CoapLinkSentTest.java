package io.edgeauth.simulator.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A telemetry POST reports itself sent ({@link CoapLink#telemetry(String, String, byte[], Runnable)}, what the run counts
 * as published) once it left the device, once, even when it was sent again; a POST whose DTLS handshake fails never
 * does. Against a Californium DTLS server standing in for the broker.
 */
class CoapLinkSentTest {
    private static final String DEVICE = "sim-sent-1";
    private static final byte[] PSK = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final AtomicInteger sent = new AtomicInteger();
    /** Transmissions of telemetry POSTs the server received (a retransmission counted again). */
    private final AtomicInteger received = new AtomicInteger();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private CoapServer server;
    private DTLSConnector serverDtls;
    private CoapDevices devices;
    private CoapLink link;
    /** Milliseconds the server waits before it answers a POST (a client retransmits after 2 to 3 s unanswered). */
    private volatile long answerAfterMillis;

    @BeforeEach
    void start() throws IOException {
        Configuration config = Configuration.createStandardWithoutFile();
        serverDtls = new DTLSConnector(DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
                .setAdvancedPskStore(new AdvancedSinglePskStore(DEVICE, PSK)).build());
        server = new CoapServer(config);
        CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(config).setConnector(serverDtls).build();
        endpoint.addInterceptor(new MessageInterceptorAdapter() {
            @Override
            public void receiveRequest(Request request) {
                if (request.getOptions().getUriPathString().startsWith("d/")) {
                    received.incrementAndGet();
                }
            }
        });
        server.addEndpoint(endpoint);
        server.add(new CoapResource("d") { // any /d/...: 2.04, after answerAfterMillis
            @Override
            public Resource getChild(String name) {
                return this;
            }

            @Override
            public void handlePOST(CoapExchange ex) {
                later.schedule(() -> ex.respond(ResponseCode.CHANGED), answerAfterMillis, TimeUnit.MILLISECONDS);
            }
        });
        server.start();
        devices = new CoapDevices(new CoapOptions(serverDtls.getAddress(), true, false, false, false, false, false, false,
                false), List.of(InetAddress.getLoopbackAddress()), 1);
    }

    @AfterEach
    void stop() {
        if (link != null) {
            link.close(false);
        }
        devices.close();
        server.destroy();
        later.shutdownNow();
    }

    private CompletableFuture<Void> post() {
        return link.telemetry(DEVICE, "sim/0", new byte[20], sent::incrementAndGet);
    }

    @Test
    void aPostAnsweredAfterItsRetransmissionReportsItselfSentOnce() throws Exception {
        link = devices.open(DEVICE, PSK);
        answerAfterMillis = 4_000; // past the first retransmission (2 to 3 s)
        post().get(20, TimeUnit.SECONDS);
        assertThat(received).as("the server got the POST and its retransmission").hasValue(2);
        assertThat(sent).hasValue(1);
        answerAfterMillis = 0;
        post().get(10, TimeUnit.SECONDS); // over the established session
        assertThat(sent).hasValue(2);
    }

    @Test
    void aPostWhoseHandshakeFailsNeverReportsItselfSent() throws Exception {
        // a server with only a raw public key: it shares no cipher suite with a PSK device and refuses its handshake
        Configuration config = Configuration.createStandardWithoutFile();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = g.generateKeyPair();
        DTLSConnector refusing = new DTLSConnector(DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
                .setCertificateIdentityProvider(new SingleCertificateProvider(key.getPrivate(), key.getPublic()))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustAllRPKs().build())
                .build());
        CoapServer other = new CoapServer(config);
        other.addEndpoint(new CoapEndpoint.Builder().setConfiguration(config).setConnector(refusing).build());
        other.start();
        try (CoapDevices toOther = new CoapDevices(new CoapOptions(refusing.getAddress(), true, false, false, false, false,
                false, false, false), List.of(InetAddress.getLoopbackAddress()), 1)) {
            CoapLink refused = toOther.open(DEVICE, PSK);
            try {
                CompletableFuture<Void> post = refused.telemetry(DEVICE, "sim/0", new byte[20], sent::incrementAndGet);
                assertThatThrownBy(() -> post.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(CoapTransportException.class).hasMessageContaining("send_error");
                assertThat(sent).hasValue(0);
            } finally {
                refused.close(false);
            }
        } finally {
            other.destroy();
        }
    }
}
