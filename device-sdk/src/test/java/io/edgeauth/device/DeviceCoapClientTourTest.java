package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.dtls.DtlsHandshakeTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tour W (W3-W6): a command handler may block on its own client, a closed client fails at once, and CoAP errors
 * carry the broker's ACE error and the transport's exception.
 */
class DeviceCoapClientTourTest {
    private static final String DEVICE = "valve-7";
    private static final byte[] CWT = {(byte) 0xd2, (byte) 0x84, 0x43, (byte) 0xa1, 0x01, 0x26, (byte) 0xa0, 0x40};

    private final List<String> telemetry = new CopyOnWriteArrayList<>();
    private volatile byte[] refusal;
    /** A token /authz-info answers 4.01 (a revoked one), or null. */
    private volatile byte[] refusedUpload;
    private final List<byte[]> uploads = new CopyOnWriteArrayList<>();
    private volatile String pendingCommand = "";
    private CoapServer server;
    private CoapResource device;
    private DeviceCoapClient client;

    private int start() {
        Configuration config = Configuration.createStandardWithoutFile();
        CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(config)
                .setInetSocketAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build();
        server = new CoapServer(config);
        server.addEndpoint(endpoint);
        device = new CoapResource("d") {
            {
                setObservable(true);
            }

            @Override
            public Resource getChild(String name) {
                return this;
            }

            @Override
            public void handlePOST(CoapExchange ex) {
                if (refusal != null) { // as the broker's CoapCodes answers a quota refusal
                    Response r = new Response(ResponseCode.TOO_MANY_REQUESTS);
                    r.getOptions().setMaxAge(1).setContentFormat(MediaTypeRegistry.APPLICATION_ACE_CBOR);
                    r.setPayload(refusal);
                    ex.respond(r);
                    return;
                }
                telemetry.add(ex.getRequestOptions().getUriPathString() + "=" + ex.getRequestText());
                ex.respond(ResponseCode.CHANGED);
            }

            @Override
            public void handleGET(CoapExchange ex) {
                ex.respond(ResponseCode.CONTENT, pendingCommand);
            }
        };
        server.add(new CoapResource(DeviceCoapClient.AUTHZ_INFO) {
            @Override
            public void handlePOST(CoapExchange ex) {
                uploads.add(ex.getRequestPayload());
                byte[] refused = refusedUpload;
                ex.respond(refused != null && java.util.Arrays.equals(refused, ex.getRequestPayload())
                        ? ResponseCode.UNAUTHORIZED : ResponseCode.CREATED);
            }
        }, device);
        server.start();
        return endpoint.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    private static AccessToken cwt() {
        return new AccessToken(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(CWT), TokenFormat.CWT,
                "Bearer", null, Instant.now(), Instant.now().plusSeconds(600));
    }

    private DeviceCoapClient plainClient() {
        return DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + start())).deviceId(DEVICE)
                .token(cwt()).blockingTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void aCommandHandlerMayAnswerWithABlockingCallOnTheSameClient() {
        client = plainClient();
        DeviceCoapClient.Blocking coap = client.toBlocking();
        List<Object> outcomes = new CopyOnWriteArrayList<>();
        coap.observeCommands(cmd -> {
            try {
                coap.publishTelemetry("ack", cmd.payload());
                outcomes.add(Thread.currentThread().getName());
            } catch (RuntimeException e) {
                outcomes.add(e);
            }
        });
        pendingCommand = "ping";
        device.changed();
        await().atMost(Duration.ofSeconds(8)).until(() -> !outcomes.isEmpty());
        assertThat(outcomes.get(0)).as("the handler's blocking publish").isInstanceOf(String.class);
        assertThat((String) outcomes.get(0)).startsWith("edgeauth-sdk-handler-");
        assertThat(telemetry).contains("d/valve-7/up/ack=ping");
    }

    @Test
    void aClosedClientFailsEveryCallAtOnce() {
        client = plainClient();
        client.toBlocking().publishTelemetry("x", "1".getBytes(StandardCharsets.UTF_8));
        client.close();
        for (CompletableFuture<?> f : List.of(client.publishTelemetry("x", "1".getBytes(StandardCharsets.UTF_8)),
                client.uploadToken(), client.observeCommands(c -> { }))) {
            assertThat(f).isCompletedExceptionally();
            assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    @Test
    void theBrokersAceErrorPayloadIsDecoded() {
        client = plainClient();
        // {30: 1, 31: "rate_limited: over the device's rate plan"}, as CoapCodes encodes it
        byte[] text = "rate_limited: over the device's rate plan".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream cbor = new java.io.ByteArrayOutputStream();
        cbor.write(0xa2); // a map of two
        cbor.writeBytes(new byte[] {0x18, 30, 0x01}); // 30 (error): 1 (invalid_request)
        cbor.writeBytes(new byte[] {0x18, 31, 0x78, (byte) text.length}); // 31 (error_description): text
        cbor.writeBytes(text);
        refusal = cbor.toByteArray();

        Throwable t = catchThrowable(() -> client.toBlocking().publishTelemetry("x", new byte[1]));
        assertThat(t).isInstanceOf(CoapRequestException.class);
        CoapRequestException e = (CoapRequestException) t;
        assertThat(e.code()).isEqualTo("4.29");
        assertThat(e.error()).isEqualTo("invalid_request");
        assertThat(e.diagnostic()).isEqualTo("rate_limited: over the device's rate plan");
        assertThat(e.getMessage()).isEqualTo(
                "CoAP request failed: 4.29 invalid_request (rate_limited: over the device's rate plan)");
        assertThat(e.maxAgeSeconds()).isEqualTo(1L);
    }

    @Test
    void aTransportFailureKeepsItsExceptionAsTheCause() throws Exception {
        int nobody;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            nobody = s.getLocalPort();
        }
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(CoapConfig.ACK_TIMEOUT, 300, TimeUnit.MILLISECONDS);
        c.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 100, TimeUnit.MILLISECONDS);
        c.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 1);
        client = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:" + nobody)).deviceId(DEVICE)
                .psk("0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII)).token(cwt()).configuration(c)
                .build();
        Throwable t = catchThrowable(() -> client.toBlocking().uploadToken());
        assertThat(t).isInstanceOf(CoapRequestException.class);
        assertThat(((CoapRequestException) t).code()).isEqualTo("timeout");
        assertThat(t.getCause()).isInstanceOf(DtlsHandshakeTimeoutException.class);
    }

    /** Tour AC (AC3): closing the client ends its command observations; nothing waits on them for ever. */
    @Test
    void closingTheClientEndsAnEstablishedObservation() throws Exception {
        client = plainClient();
        DeviceCoapClient.Observation observation = client.observeCommands(c -> { }).get(5, TimeUnit.SECONDS);

        client.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> observation.ended().isDone());
        assertThatThrownBy(() -> observation.ended().get()).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /** Tour AC (AC3): an observation whose registration is still unanswered fails when the client closes. */
    @Test
    void closingTheClientFailsAnObservationStillRegistering() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) { // reads, never answers
            client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + silent.getLocalPort()))
                    .deviceId(DEVICE).token(cwt()).build();
            CompletableFuture<DeviceCoapClient.Observation> registering = client.observeCommands(c -> { });

            client.close();

            await().atMost(Duration.ofSeconds(5)).until(registering::isDone);
            assertThatThrownBy(registering::get).hasCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    /**
     * Tour AC (AC8): the broker refusing the manager's current token at /authz-info (4.01: its key revoked after a
     * rotation, the device's tokens revoked) gets the manager to fetch a new one at once, once per refused token, as
     * the MQTT client does; before, every request failed until the scheduled refresh at 80% of the token's life.
     */
    @Test
    void aTokenRefusedAtAuthzInfoGetsTheManagerToFetchANewOneOnce() throws Exception {
        java.util.Queue<CompletableFuture<AccessToken>> fetches = new java.util.concurrent.ConcurrentLinkedQueue<>();
        TokenManager manager = TokenManager.builder(() -> {
            CompletableFuture<AccessToken> f = new CompletableFuture<>();
            fetches.add(f);
            return f;
        }).scheduler((task, delay) -> () -> { }).build();
        AccessToken a = cwt();
        manager.start();
        fetches.poll().complete(a);
        client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + start())).deviceId(DEVICE)
                .tokens(manager).build();
        refusedUpload = a.bytes();

        assertThat(catchThrowable(() -> client.toBlocking().uploadToken())).isInstanceOf(CoapRequestException.class);
        assertThat(catchThrowable(() -> client.toBlocking().uploadToken())).isInstanceOf(CoapRequestException.class);

        assertThat(fetches).hasSize(1); // asked once for the refused token, not once per refusal
        byte[] fresh = {(byte) 0xd2, (byte) 0x84, 0x43, (byte) 0xa1, 0x01, 0x26, (byte) 0xa0, 0x41, 0x01};
        fetches.poll().complete(new AccessToken(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(fresh),
                TokenFormat.CWT, "Bearer", null, Instant.now(), Instant.now().plusSeconds(600)));
        await().atMost(Duration.ofSeconds(5)).until(() -> java.util.Arrays.equals(uploads.get(uploads.size() - 1), fresh));
        manager.close();
    }
}
