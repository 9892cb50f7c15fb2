package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A broker that stops accepting the device's token (a revoked {@code kid}, a withdrawn fleet CA, a subject revocation)
 * says so with CONNACK or DISCONNECT 0x86 / 0x87: the client then gets a new token from its {@link TokenManager}
 * before it reconnects, rather than presenting the refused one again and again, and asks the token endpoint only once
 * per refused token (the manager's own backoff decides the rest).
 */
class DeviceMqttClientTokenRefusalTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeMqtt5AuthServer server;
    private final Queue<CompletableFuture<AccessToken>> fetches = new ConcurrentLinkedQueue<>();
    private final QueuedScheduler scheduler = new QueuedScheduler();
    private TokenManager tokens;
    private DeviceMqttClient client;
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** Holds the manager's scheduled refreshes until the test runs them (thread-safe: HiveMQ's threads schedule too). */
    static final class QueuedScheduler implements TokenManager.Scheduler {
        final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        @Override
        public TokenManager.Cancellable schedule(Runnable task, Duration delay) {
            tasks.add(task);
            return () -> tasks.remove(task);
        }

        void runAll() {
            for (Runnable r; (r = tasks.poll()) != null; ) {
                r.run();
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = new FakeMqtt5AuthServer();
        tokens = TokenManager.builder(() -> {
            CompletableFuture<AccessToken> f = new CompletableFuture<>();
            fetches.add(f);
            return f;
        }).scheduler(scheduler).name("pump-7").build();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.disconnect().join();
        }
        tokens.close();
        server.close();
    }

    private static AccessToken jwt(String name) {
        return new AccessToken("h." + name + ".s", TokenFormat.JWT, "Bearer", null, Instant.now(), Instant.now().plusSeconds(600));
    }

    private DeviceMqttClient client(boolean automaticReconnect) {
        client = DeviceMqttClient.builder().deviceId("pump-7").serverHost("127.0.0.1").serverPort(server.port())
                .tokens(tokens).automaticReconnect(automaticReconnect).busyRetries(0)
                .connectionListener(new DeviceMqttClient.ConnectionListener() {
                    @Override
                    public void onConnected() {
                        events.add("up");
                    }

                    @Override
                    public void onDisconnected(String reason) {
                        events.add(reason);
                    }
                }).build();
        return client;
    }

    /** The tokens (their text) the CONNECTs carried, in order. */
    private List<String> connectedWith() {
        return server.connects.stream().map(c -> new String(c.password(), StandardCharsets.US_ASCII)).toList();
    }

    /** The broker refuses {@code refused} from now on with {@code code}. */
    private void refuse(AccessToken refused, int code) {
        byte[] pw = refused.value().getBytes(StandardCharsets.US_ASCII);
        server.connackCode = c -> Arrays.equals(c.password(), pw) ? code : 0;
    }

    private CompletableFuture<AccessToken> nextFetch() {
        await().atMost(WAIT).until(() -> !fetches.isEmpty());
        return fetches.poll();
    }

    private AccessToken connected(boolean automaticReconnect) {
        AccessToken a = jwt("a");
        tokens.start();
        fetches.poll().complete(a);
        client(automaticReconnect).connect().join();
        scheduler.tasks.clear(); // the scheduled refresh at 80% of the lifetime plays no part here
        return a;
    }

    @Test
    void aSessionEndedNotAuthorizedGetsANewTokenBeforeItReconnects() throws Exception {
        AccessToken a = connected(true);
        AccessToken b = jwt("b");
        refuse(a, 0x87);
        server.disconnect(0x87, "revoked"); // e.g. the kid that signed it was revoked after a key rotation

        nextFetch().complete(b);
        await().atMost(WAIT).until(() -> client.isConnected() && server.connects.size() == 2);
        assertThat(connectedWith()).containsExactly(a.value(), b.value()); // the revoked token was never presented again
        assertThat(events).containsExactly("up", "disconnect:NOT_AUTHORIZED", "up");
    }

    @Test
    void aConnackRefusalOnAReconnectGetsANewToken() throws Exception {
        AccessToken a = connected(true);
        AccessToken b = jwt("b");
        refuse(a, 0x86); // the token went bad while the device was away (an unknown kid, expired)
        server.drop();

        nextFetch().complete(b);
        await().atMost(WAIT).until(() -> client.isConnected() && server.connects.size() == 3);
        assertThat(connectedWith()).containsExactly(a.value(), a.value(), b.value());
        assertThat(events).contains("connack:BAD_USER_NAME_OR_PASSWORD");
    }

    @Test
    void aDeviceTheTokenEndpointRefusesWaitsForTheManagersBackoffWithoutPresentingTheRefusedToken() throws Exception {
        AccessToken a = connected(true);
        refuse(a, 0x87);
        server.disconnect(0x87, "revoked"); // a subject revocation: the token endpoint refuses the device too

        nextFetch().completeExceptionally(new TokenRequestException(TokenRequestException.Reason.OAUTH_ERROR, 400,
                "invalid_client", "revoked", null));
        Thread.sleep(4_000); // HiveMQ's reconnect backoff would have tried at 1 s and 3 s
        assertThat(fetches).isEmpty(); // the token endpoint is asked once per refused token, then on the manager's backoff
        assertThat(server.connects).hasSize(1); // and the refused token is not presented again
        assertThat(client.isConnected()).isFalse();

        // the revocation is lifted: the manager's next retry gets a token and the client goes back with it
        scheduler.runAll();
        AccessToken b = jwt("b");
        nextFetch().complete(b);
        await().atMost(WAIT).until(() -> client.isConnected() && server.connects.size() == 2);
        assertThat(connectedWith()).containsExactly(a.value(), b.value());
    }

    @Test
    void aConnectionLostWithoutARefusalComesBackWithTheSameToken() throws Exception {
        AccessToken a = connected(true);
        server.drop();

        await().atMost(WAIT).until(() -> client.isConnected() && server.connects.size() == 2);
        assertThat(connectedWith()).containsExactly(a.value(), a.value());
        assertThat(fetches).isEmpty();
    }

    @Test
    void withoutAutomaticReconnectARefusedConnectStillFetchesANewTokenOnceForTheApplicationsNextConnect() throws Exception {
        AccessToken a = connected(false);
        refuse(a, 0x87);
        server.disconnect(0x87, "revoked");

        CompletableFuture<AccessToken> fetch = nextFetch();
        assertThat(client.connect()).failsWithin(WAIT); // the application retries before the new token is there
        assertThat(fetches).isEmpty(); // the same refused token: no second request
        AccessToken b = jwt("b");
        fetch.complete(b);
        client.connect().join();
        assertThat(connectedWith()).containsExactly(a.value(), a.value(), b.value());
    }

    /**
     * Tour AB, AB13: the broker says why it refused (its reason string: {@code expired}, {@code revoked}, ...), and the
     * SDK gave only the reason code ({@code connack:BAD_USER_NAME_OR_PASSWORD}), so a device's log could not tell an
     * expired token from a wrong key. {@link DeviceMqttClient#brokerReason} gives it, and {@code failureReason} stays
     * the stable code for metrics.
     */
    @Test
    void aRefusalTellsTheBrokersReasonBesideItsCode() throws Exception {
        AccessToken a = jwt("a");
        tokens.start();
        fetches.poll().complete(a);
        server.connackReasonString = "expired";
        refuse(a, 0x86);
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> client(false).connect().join());
        assertThat(DeviceMqttClient.failureReason(failure)).isEqualTo("connack:BAD_USER_NAME_OR_PASSWORD");
        assertThat(DeviceMqttClient.brokerReason(failure)).isEqualTo("expired");
        assertThat(DeviceMqttClient.brokerReason(new java.io.IOException("no MQTT answer"))).isNull();
    }
}
