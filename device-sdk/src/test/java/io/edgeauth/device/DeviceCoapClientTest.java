package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DeviceCoapClient against an in-process Californium server shaped like the broker's CoAP edge. */
class DeviceCoapClientTest {
    private static final String DEVICE = "valve-9";
    private static final byte[] PSK = "0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII);
    private static final int GATEWAY_DEVICES = 40;
    private static final byte[] CWT = {(byte) 0xd2, (byte) 0x84, 0x43, (byte) 0xa1, 0x01, 0x26, (byte) 0xa0, 0x40};

    private final List<byte[]> uploads = new CopyOnWriteArrayList<>();
    private final List<Integer> uploadFormats = new CopyOnWriteArrayList<>();
    private final List<String> telemetry = new CopyOnWriteArrayList<>();
    private final List<String> telemetryPeers = new CopyOnWriteArrayList<>();
    private final AtomicReference<Principal> peer = new AtomicReference<>();
    private final AtomicBoolean authorized = new AtomicBoolean();
    private final AtomicReference<ResponseCode> forced = new AtomicReference<>();
    private volatile String pendingCommand = "";
    private volatile String pendingLocation;
    private final java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong maxAge = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger busyUploads = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger uploadAttempts = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger busyGets = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger silentGets = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean refuseUploads;
    private CoapServer server;
    private DTLSConnector serverDtls;
    private DeviceResource device;
    private DeviceCoapClient client;

    /** Stands for /d/...: any path below it lands here. */
    final class DeviceResource extends CoapResource {
        DeviceResource() {
            super("d");
            setObservable(true);
        }

        @Override
        public Resource getChild(String name) {
            return this;
        }

        @Override
        public void handlePOST(CoapExchange ex) {
            if (forced.get() != null) {
                Response r = new Response(forced.get());
                r.getOptions().setMaxAge(7);
                r.setPayload("slow down");
                ex.respond(r);
                return;
            }
            if (!authorized.get()) {
                ex.respond(ResponseCode.UNAUTHORIZED, "no token");
                return;
            }
            telemetry.add(ex.getRequestOptions().getUriPathString() + "=" + ex.getRequestText());
            Principal who = ex.advanced().getRequest().getSourceContext().getPeerIdentity();
            telemetryPeers.add(who == null ? "" : who.getName());
            ex.respond(ResponseCode.CHANGED);
        }

        @Override
        public void handleGET(CoapExchange ex) {
            gets.incrementAndGet();
            if (silentGets.getAndDecrement() > 0) { // out of reach: no answer at all
                return;
            }
            if (busyGets.getAndDecrement() > 0) {
                Response busy = new Response(ResponseCode.SERVICE_UNAVAILABLE);
                busy.getOptions().setMaxAge(1);
                ex.respond(busy);
                return;
            }
            if (maxAge.get() > 0) {
                ex.setMaxAge(maxAge.get());
            }
            if (pendingLocation != null) {
                ex.setLocationPath(pendingLocation);
            }
            ex.respond(ResponseCode.CONTENT, pendingCommand);
        }
    }

    private int start(boolean dtls) {
        Configuration config = Configuration.createStandardWithoutFile();
        CoapEndpoint.Builder eb = new CoapEndpoint.Builder().setConfiguration(config);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (dtls) {
            AdvancedMultiPskStore psks = new AdvancedMultiPskStore();
            psks.setKey(DEVICE, PSK);
            for (int i = 0; i < GATEWAY_DEVICES; i++) {
                psks.setKey("gw-" + i, PSK);
            }
            serverDtls = new DTLSConnector(DtlsConnectorConfig.builder(config).setAddress(any)
                    .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY).setAdvancedPskStore(psks).build());
            eb.setConnector(serverDtls);
        } else {
            eb.setInetSocketAddress(any);
        }
        CoapEndpoint endpoint = eb.build();
        server = new CoapServer(config);
        server.addEndpoint(endpoint);
        device = new DeviceResource();
        server.add(new CoapResource(DeviceCoapClient.AUTHZ_INFO) {
            @Override
            public void handlePOST(CoapExchange ex) {
                uploadAttempts.incrementAndGet();
                if (refuseUploads) {
                    ex.respond(ResponseCode.UNAUTHORIZED, "token revoked");
                    return;
                }
                if (busyUploads.getAndDecrement() > 0) { // the broker sheds load: 5.03 with Max-Age
                    Response busy = new Response(ResponseCode.SERVICE_UNAVAILABLE);
                    busy.getOptions().setMaxAge(1);
                    ex.respond(busy);
                    return;
                }
                peer.set(ex.advanced().getRequest().getSourceContext().getPeerIdentity());
                uploads.add(ex.getRequestPayload());
                uploadFormats.add(ex.getRequestOptions().getContentFormat());
                authorized.set(true);
                ex.respond(ResponseCode.CREATED);
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
        return new AccessToken(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(CWT), TokenFormat.CWT, "Bearer", null,
                Instant.now(), Instant.now().plusSeconds(600));
    }

    @Test
    void uploadsCwtRawWithContentFormat61ThenPostsTelemetryOverDtlsPsk() {
        int port = start(true);
        client = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:" + port)).deviceId(DEVICE).psk(PSK)
                .token(cwt()).build();
        DeviceCoapClient.Blocking coap = client.toBlocking();
        coap.uploadToken();
        assertThat(uploads.get(0)).isEqualTo(CWT);
        assertThat(uploadFormats.get(0)).isEqualTo(MediaTypeRegistry.APPLICATION_CWT);
        assertThat(peer.get().getName()).isEqualTo(DEVICE);

        coap.publishTelemetry("temp/in", "20.1".getBytes(StandardCharsets.UTF_8));
        assertThat(telemetry).containsExactly("d/valve-9/up/temp/in=20.1");
    }

    /** CoAP timeouts that let a request go unanswered for 15.5 to 23 s before it fails (ACK 0.5 s, 4 retransmissions). */
    private static Configuration patient() {
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(org.eclipse.californium.core.config.CoapConfig.ACK_TIMEOUT, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        c.set(org.eclipse.californium.core.config.CoapConfig.MAX_RETRANSMIT, 4);
        return c;
    }

    /** A broker that restarted after a crash: it knows neither the DTLS session nor the token bound to it. */
    private void brokerLosesItsSessions() {
        serverDtls.clearConnectionState();
        authorized.set(false);
    }

    @Test
    void aRequestToABrokerThatLostTheSessionGoesThroughOverANewHandshakeBeforeItTimesOut() {
        int port = start(true);
        client = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:" + port)).deviceId(DEVICE).psk(PSK)
                .token(cwt()).configuration(patient()).blockingTimeout(Duration.ofSeconds(40)).build();
        client.toBlocking().uploadToken();
        client.toBlocking().publishTelemetry("t", "1".getBytes(StandardCharsets.UTF_8));
        brokerLosesItsSessions();
        // the first two transmissions are dropped on the lost session, the third goes over a new handshake, is
        // refused 4.01 (no token bound), and goes through after the upload: no timeout, nothing for the caller to do
        client.toBlocking().publishTelemetry("t", "2".getBytes(StandardCharsets.UTF_8));
        assertThat(telemetry).containsExactly("d/valve-9/up/t=1", "d/valve-9/up/t=2");
        assertThat(uploads).hasSize(2);
    }

    @Test
    void withRenewalOnlyAfterATimeoutTheRequestFailsAndTheNextGoesThrough() {
        int port = start(true);
        client = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:" + port)).deviceId(DEVICE).psk(PSK)
                .token(cwt()).configuration(quick()).renewSessionAfterUnanswered(0).build();
        client.toBlocking().uploadToken();
        brokerLosesItsSessions();
        Throwable t = catchThrowable(() -> client.toBlocking().publishTelemetry("t", "1".getBytes(StandardCharsets.UTF_8)));
        assertThat(t).isInstanceOf(CoapRequestException.class);
        assertThat(((CoapRequestException) t).code()).isEqualTo("timeout");
        client.toBlocking().publishTelemetry("t", "2".getBytes(StandardCharsets.UTF_8));
        assertThat(telemetry).containsExactly("d/valve-9/up/t=2");
    }

    @Test
    void aRenewalThatFindsNoBrokerFailsTheRequestWithTimeout() {
        int port = start(true);
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(org.eclipse.californium.core.config.CoapConfig.ACK_TIMEOUT, 300, java.util.concurrent.TimeUnit.MILLISECONDS);
        c.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
        c.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 1); // the renewal's handshake gives up long before the request would
        client = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:" + port)).deviceId(DEVICE).psk(PSK)
                .token(cwt()).configuration(c).renewSessionAfterUnanswered(1).build();
        client.toBlocking().uploadToken();
        server.destroy(); // gone for good
        server = null;
        Throwable t = catchThrowable(() -> client.toBlocking().publishTelemetry("t", "1".getBytes(StandardCharsets.UTF_8)));
        assertThat(t).isInstanceOf(CoapRequestException.class);
        assertThat(((CoapRequestException) t).code()).as(t.getMessage()).isEqualTo("timeout");
    }

    @Test
    void aRenewalThatCouldNeverHappenIsRefusedAtBuild() {
        DeviceCoapClient.Builder b = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:5684"))
                .deviceId(DEVICE).psk(PSK).token(cwt());
        assertThatThrownBy(() -> b.renewSessionAfterUnanswered(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.configuration(quick()).renewSessionAfterUnanswered(2).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("MAX_RETRANSMIT (1)");
        b.renewSessionAfterUnanswered(1).build().close(); // within MAX_RETRANSMIT
        DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:5683")).deviceId(DEVICE).token(cwt())
                .configuration(quick()).build().close(); // plain CoAP: no session to renew, the default adapts
    }

    @Test
    void aBusyBrokersServiceUnavailableIsRetriedAfterItsMaxAge() {
        int port = start(false);
        busyUploads.set(2);
        client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + port)).deviceId(DEVICE)
                .token(cwt()).build();
        client.toBlocking().uploadToken();
        assertThat(uploadAttempts.get()).isEqualTo(3);
        assertThat(uploads).hasSize(1);
    }

    @Test
    void aBusyBrokerIsRetriedOnlyBusyRetriesTimes() {
        int port = start(false);
        busyUploads.set(100);
        client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + port)).deviceId(DEVICE)
                .token(cwt()).busyRetries(1).build();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> client.toBlocking().uploadToken());
        assertThat(t).isInstanceOf(CoapRequestException.class);
        assertThat(((CoapRequestException) t).code()).isEqualTo("5.03");
        assertThat(((CoapRequestException) t).maxAgeSeconds()).isEqualTo(1L);
        assertThat(uploadAttempts.get()).isEqualTo(2);
    }

    @Test
    void manyDevicesOnOneGatewayShareItsThreadsAndKeepTheirOwnDtlsIdentity() {
        int port = start(true);
        int before = Thread.activeCount();
        List<DeviceCoapClient> clients = new java.util.ArrayList<>();
        try (CoapGateway gateway = CoapGateway.create(2)) {
            for (int i = 0; i < GATEWAY_DEVICES; i++) {
                clients.add(DeviceCoapClient.builder().gateway(gateway).serverUri(URI.create("coaps://127.0.0.1:" + port))
                        .deviceId("gw-" + i).psk(PSK).token(cwt()).build());
            }
            List<java.util.concurrent.CompletableFuture<Void>> done = new java.util.ArrayList<>();
            for (DeviceCoapClient c : clients) {
                done.add(c.uploadToken().thenCompose(v -> c.publishTelemetry("t", c.deviceId().getBytes(StandardCharsets.UTF_8))));
            }
            java.util.concurrent.CompletableFuture.allOf(done.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .orTimeout(120, java.util.concurrent.TimeUnit.SECONDS).join();
            // each client keeps one socket reader; on its own it would start four threads (reader, timer, workers)
            assertThat(Thread.activeCount() - before).isLessThanOrEqualTo(GATEWAY_DEVICES + 2 + 4);
            assertThat(telemetry).hasSize(GATEWAY_DEVICES);
            for (int i = 0; i < GATEWAY_DEVICES; i++) {
                assertThat(telemetry).contains("d/gw-" + i + "/up/t=gw-" + i);
                assertThat(telemetryPeers).contains("gw-" + i); // each over a DTLS session with its own PSK identity
            }
        } finally {
            clients.forEach(DeviceCoapClient::close);
        }
    }

    @Test
    void jwtIsUploadedAsTextAnd401TriggersOneReupload() {
        int port = start(false);
        AccessToken jwt = new AccessToken("eyJh.eyJz.c2ln", TokenFormat.JWT, "Bearer", null, Instant.now(), Instant.now().plusSeconds(60));
        client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + port)).deviceId(DEVICE).token(jwt).build();
        // no upload yet: the broker says 4.01, the client uploads and retries once
        client.publishTelemetry("hum", "55".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(uploads).hasSize(1);
        assertThat(new String(uploads.get(0), StandardCharsets.US_ASCII)).isEqualTo("eyJh.eyJz.c2ln");
        assertThat(uploadFormats.get(0)).isEqualTo(MediaTypeRegistry.TEXT_PLAIN);
        assertThat(telemetry).containsExactly("d/valve-9/up/hum=55");
    }

    @Test
    void errorsAreTypedWithMaxAge() {
        int port = start(false);
        client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + port)).deviceId(DEVICE).token(cwt()).build();
        forced.set(ResponseCode.TOO_MANY_REQUESTS);
        Throwable t = catchThrowable(() -> client.toBlocking().publishTelemetry("x", new byte[1]));
        assertThat(t).isInstanceOf(CoapRequestException.class);
        CoapRequestException e = (CoapRequestException) t;
        assertThat(e.code()).isEqualTo("4.29");
        assertThat(e.maxAgeSeconds()).isEqualTo(7L);
        assertThat(e.diagnostic()).isEqualTo("slow down");
    }

    /** A client over plain CoAP to the stand-in server, observing its commands into {@code commands}. */
    private DeviceCoapClient.Observation observeOverPlainCoap(List<Command> commands) {
        return observeOverPlainCoap(commands, Configuration.createStandardWithoutFile());
    }

    private DeviceCoapClient.Observation observeOverPlainCoap(List<Command> commands, Configuration config) {
        int port = start(false);
        client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + port)).deviceId(DEVICE)
                .configuration(config).token(cwt()).build();
        return client.toBlocking().observeCommands(commands::add);
    }

    /** CoAP timeouts of a second or so instead of the standard minute and a half. */
    private static Configuration quick() {
        Configuration quick = Configuration.createStandardWithoutFile();
        quick.set(org.eclipse.californium.core.config.CoapConfig.ACK_TIMEOUT, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
        quick.set(org.eclipse.californium.core.config.CoapConfig.MAX_RETRANSMIT, 1);
        return quick;
    }

    @Test
    void aFirstRegistrationAnsweredBusyIsRetriedAfterItsMaxAge() {
        busyGets.set(2);
        DeviceCoapClient.Observation obs = observeOverPlainCoap(new CopyOnWriteArrayList<>());
        assertThat(gets.get()).isEqualTo(3);
        assertThat(obs.ended()).isNotDone();
        obs.close();
    }

    @Test
    void aFirstRegistrationThatStaysBusyFailsAfterBusyRetries() {
        busyGets.set(100);
        int port = start(false);
        client = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + port)).deviceId(DEVICE)
                .token(cwt()).busyRetries(1).build();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> client.toBlocking().observeCommands(c -> { }));
        assertThat(t).isInstanceOf(CoapRequestException.class);
        assertThat(((CoapRequestException) t).code()).isEqualTo("5.03");
        assertThat(gets.get()).isEqualTo(2);
    }

    @Test
    void anEstablishedObservationOutlastsReRegistrationsThatGoUnansweredOrBusy() {
        maxAge.set(1); // Californium registers again once a notification's Max-Age passes (plus 2 s)
        List<Command> commands = new CopyOnWriteArrayList<>();
        DeviceCoapClient.Observation obs = observeOverPlainCoap(commands, quick());
        silentGets.set(2); // the re-registration goes unanswered, so does the client's own first retry
        busyGets.set(1); // then the broker is busy once
        await().atMost(Duration.ofSeconds(30)).until(() -> gets.get() >= 5 && busyGets.get() < 0);
        assertThat(obs.ended()).as("kept through the failures").isNotDone();
        pendingCommand = "open";
        device.changed();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
        assertThat(new String(commands.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("open");
        obs.close();
        assertThat(obs.ended()).isCompleted();
    }

    @Test
    void aFirstRegistrationThatGoesUnansweredFailsTheStart() {
        silentGets.set(100);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> observeOverPlainCoap(new CopyOnWriteArrayList<>(), quick()));
        assertThat(t).isInstanceOf(CoapRequestException.class);
        assertThat(((CoapRequestException) t).code()).isEqualTo("failed");
    }

    @Test
    void observesCommands() {
        List<Command> commands = new CopyOnWriteArrayList<>();
        DeviceCoapClient.Observation obs = observeOverPlainCoap(commands);
        assertThat(commands).isEmpty();
        pendingCommand = "close";
        device.changed();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
        assertThat(commands.get(0).topic()).isEqualTo("d/valve-9/down");
        assertThat(new String(commands.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("close");
        obs.close();
    }

    @Test
    void aCommandPublishedBelowDownCarriesItsTopicAndPath() {
        List<Command> commands = new CopyOnWriteArrayList<>();
        DeviceCoapClient.Observation obs = observeOverPlainCoap(commands);
        pendingCommand = "open";
        pendingLocation = "d/valve-9/down/valve/2";
        device.changed();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
        assertThat(commands.get(0).topic()).isEqualTo("d/valve-9/down/valve/2");
        assertThat(commands.get(0).path()).isEqualTo("valve/2");
        pendingLocation = "d/valve-10/down/valve"; // not this device's: the topic falls back to its own
        device.changed();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 2);
        assertThat(commands.get(1).topic()).isEqualTo("d/valve-9/down");
        assertThat(commands.get(1).path()).isEmpty();
        obs.close();
    }

    @Test
    void anObservationTheBrokerEndsWith401IsRegisteredAgainWithTheTokenUploadedAgain() {
        List<Command> commands = new CopyOnWriteArrayList<>();
        DeviceCoapClient.Observation obs = observeOverPlainCoap(commands);
        int uploadsBefore = uploads.size();
        int getsBefore = gets.get();
        device.clearAndNotifyObserveRelations(ResponseCode.UNAUTHORIZED); // the session it was bound to is gone
        await().atMost(Duration.ofSeconds(5)).until(() -> uploads.size() == uploadsBefore + 1 && gets.get() == getsBefore + 1);
        pendingCommand = "open";
        device.changed();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
        assertThat(new String(commands.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("open");
        assertThat(obs.ended()).isNotDone();
        obs.close();
        assertThat(obs.ended()).isCompleted();
    }

    @Test
    void anObservationTheBrokerEndsForGoodSaysSoInEnded() {
        List<Command> commands = new CopyOnWriteArrayList<>();
        DeviceCoapClient.Observation forbidden = observeOverPlainCoap(commands);
        int uploadsBefore = uploads.size();
        device.clearAndNotifyObserveRelations(ResponseCode.FORBIDDEN); // the ACL no longer allows it: no retry
        assertThatThrownBy(() -> forbidden.ended().get(5, java.util.concurrent.TimeUnit.SECONDS))
                .hasCauseInstanceOf(CoapRequestException.class).hasMessageContaining("4.03");
        assertThat(uploads).hasSize(uploadsBefore);

        DeviceCoapClient.Observation revoked = client.toBlocking().observeCommands(commands::add);
        refuseUploads = true; // 4.01, and the token is refused when sent again: ended
        device.clearAndNotifyObserveRelations(ResponseCode.UNAUTHORIZED);
        assertThatThrownBy(() -> revoked.ended().get(5, java.util.concurrent.TimeUnit.SECONDS))
                .hasCauseInstanceOf(CoapRequestException.class).hasMessageContaining("4.01");
        assertThat(commands).isEmpty();
    }

    @Test
    void observeReRegistrationIsNotACommand() {
        // Californium re-registers an observation when its notification's Max-Age runs out (default 60 s, here 1 s);
        // the broker answers the re-registration with an empty payload, which is no command
        maxAge.set(1);
        List<Command> commands = new CopyOnWriteArrayList<>();
        DeviceCoapClient.Observation obs = observeOverPlainCoap(commands);
        await().atMost(Duration.ofSeconds(30)).until(() -> gets.get() >= 3);
        assertThat(commands).isEmpty();
        pendingCommand = "open";
        device.changed();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
        assertThat(new String(commands.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("open");
        obs.close();
    }
}
