package io.edgeauth.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.DefaultAuthPipeline;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline and the MQTT edge decide a token's expiry with one clock and one leeway (issue 10 hole 8): a
 * token the pipeline accepts inside the clock leeway is not then refused as expired by the edge.
 */
class OneClockTest {
    @TempDir
    Path dir;

    @Test
    void aTokenAcceptedInsideTheLeewayIsServedUntilTheLeewayEnds() throws Exception {
        Clock clock = Clock.systemUTC();
        Instant now = clock.instant();
        // expired 25 s before it is presented: inside the verifier's 30 s leeway, so verification accepts it (dated
        // when verified, not when the test starts: a loaded machine may take seconds to start the edge)
        java.util.function.Supplier<VerifiedToken> late = () -> new VerifiedToken(TokenFormat.JWT, "https://broker",
                "dev1", List.of("edgeauth"), clock.instant().minusSeconds(600), null, clock.instant().minusSeconds(25),
                "jti-late", "kid1", "default", null, List.of(), null, null, null, null, "fp");
        List<String> audit = new CopyOnWriteArrayList<>();
        AuditLog log = (event, outcome, fields) -> audit.add(event + ":" + outcome);
        Vertx vertx = Vertx.vertx();
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            DeviceRegistry registry = new DeviceRegistry(store);
            registry.register(new Device("dev1", "default", new Device.Credential(Device.CredentialType.JWK, "{}"),
                    List.of(), null, null, now));
            RevocationService revocations = new RevocationService(store, clock, Duration.ofMinutes(10),
                    Duration.ofSeconds(30));
            LocalRateLimits rates = new LocalRateLimits(LocalRateLimits.Settings.defaults());
            DefaultAuthPipeline pipeline = DefaultAuthPipeline.builder().verifier(bytes -> late.get())
                    .revocations(revocations).registry(registry).rateLimits(rates).geo(new GeoPolicy(""))
                    .tenantOfIssuer(iss -> "default").regionOfIssuer(iss -> null).defaultRatePlan("default")
                    .audit(log).meters(new SimpleMeterRegistry()).clock(clock).clockLeeway(Duration.ofSeconds(30))
                    .build();
            MqttEdge edge = new MqttEdge(vertx, MqttSettings.plain(0), pipeline, revocations, revocations, rates,
                    name -> null, new TopicRouter(100, r -> { }), log, new SimpleMeterRegistry())
                    .geoPolicy(new GeoPolicy("")).clock(clock);
            edge.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            try {
                AtomicReference<Throwable> cause = new AtomicReference<>();
                Mqtt5BlockingClient dev = Clients.v5("dev1", edge.port())
                        .addDisconnectedListener(ctx -> cause.compareAndSet(null, ctx.getCause())).buildBlocking();
                var ack = dev.connectWith().simpleAuth().username("dev1").password(Clients.bytes("late")).applySimpleAuth()
                        .send();
                assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
                assertThat(audit).contains("auth.accepted:ok").doesNotContain("mqtt.connect.refused:expired");
                // and the session ends when the leeway does: about 5 s from now
                await().atMost(Duration.ofSeconds(15)).until(() -> cause.get() != null);
                assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                        e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME));
            } finally {
                edge.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
