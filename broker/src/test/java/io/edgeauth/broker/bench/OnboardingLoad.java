package io.edgeauth.broker.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.provisioning.FleetPki;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The load client of {@link OnboardingBench}: devices new to the broker (ES256 assertion with {@code x5c},
 * signed with the native provider (ACCP) as the broker verifies -> {@code /oauth/token} -> MQTT 5 CONNECT with
 * the token -> one QoS 1 PUBLISH acknowledged), and known devices re-connecting with the token they cached
 * (CONNECT -> QoS 1 PUBLISH acknowledged), {@code concurrency} devices at a time.
 */
final class OnboardingLoad {
    /** A device of the fleet: its id, its certificate and key (the key in the native provider), its cached token. */
    static final class Device {
        final String id;
        final FleetPki.Issued issued;
        final ECPrivateKey key;
        volatile String token;

        Device(String id, FleetPki.Issued issued, ECPrivateKey key) {
            this.id = id;
            this.issued = issued;
            this.key = key;
        }
    }

    /** Latencies per stage, in microseconds. */
    static final class Stages {
        final Histogram token = new ConcurrentHistogram(3);
        final Histogram connect = new ConcurrentHistogram(3);
        final Histogram publish = new ConcurrentHistogram(3);
        final Histogram total = new ConcurrentHistogram(3);
    }

    private final CryptoProviders crypto = CryptoProviders.select(true);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String baseUrl;
    private final int mqttPort;
    private final int concurrency;

    OnboardingLoad(String baseUrl, int mqttPort, int concurrency) {
        this.baseUrl = baseUrl;
        this.mqttPort = mqttPort;
        this.concurrency = concurrency;
    }

    /** Generates a device's key and certificate and moves the key into the native provider (outside any timing). */
    Device device(FleetPki pki, String id) throws Exception {
        FleetPki.Issued issued = pki.device(id);
        ECPrivateKey key = (ECPrivateKey) KeyFactory.getInstance("EC", crypto.signatureProvider())
                .translateKey(issued.keys().getPrivate());
        return new Device(id, issued, key);
    }

    /** Onboards each device from nothing; returns the number that failed. */
    int onboard(List<Device> fleet, Stages stages) throws Exception {
        return drive(fleet, device -> {
            long t0 = System.nanoTime();
            long[] t = new long[3];
            return http.sendAsync(tokenRequest(device), HttpResponse.BodyHandlers.ofString())
                    .thenCompose(r -> {
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException(device.id + ": HTTP " + r.statusCode() + " " + r.body());
                        }
                        t[0] = System.nanoTime();
                        device.token = new JsonObject(r.body()).getString("access_token");
                        return connectPublish(device, t);
                    })
                    .thenRun(() -> {
                        stages.token.recordValue((t[0] - t0) / 1000);
                        stages.connect.recordValue((t[1] - t[0]) / 1000);
                        stages.publish.recordValue((t[2] - t[1]) / 1000);
                        stages.total.recordValue((t[2] - t0) / 1000);
                    });
        });
    }

    /** Re-connects each device with its cached token; returns the number that failed. */
    int reconnect(List<Device> fleet, Stages stages) throws Exception {
        return drive(fleet, device -> {
            long[] t = new long[3];
            t[0] = System.nanoTime();
            return connectPublish(device, t).thenRun(() -> {
                stages.connect.recordValue((t[1] - t[0]) / 1000);
                stages.publish.recordValue((t[2] - t[1]) / 1000);
                stages.total.recordValue((t[2] - t[0]) / 1000);
            });
        });
    }

    private interface Flow {
        CompletableFuture<?> start(Device device) throws Exception;
    }

    private int drive(List<Device> fleet, Flow flow) throws Exception {
        Semaphore window = new Semaphore(concurrency);
        AtomicInteger failed = new AtomicInteger();
        List<CompletableFuture<?>> all = new ArrayList<>(fleet.size());
        for (Device device : fleet) {
            window.acquire();
            CompletableFuture<?> f = flow.start(device).whenComplete((v, e) -> {
                window.release();
                if (e != null && failed.incrementAndGet() <= 3) {
                    System.err.println("failed: " + e);
                }
            });
            all.add(f);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(10, TimeUnit.MINUTES);
        return failed.get();
    }

    /** CONNECT with the device's token, one QoS 1 PUBLISH, DISCONNECT; t[1] and t[2] are set when acknowledged. */
    private CompletableFuture<Void> connectPublish(Device device, long[] t) {
        Mqtt5AsyncClient mqtt = MqttClient.builder().useMqttVersion5().identifier(device.id)
                .serverHost("127.0.0.1").serverPort(mqttPort).buildAsync();
        return mqtt.connectWith().simpleAuth().username(device.id)
                .password(device.token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send()
                .thenCompose(ack -> {
                    t[1] = System.nanoTime();
                    return mqtt.publishWith().topic("d/" + device.id + "/up/hello").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(new byte[16]).send();
                })
                .thenCompose(ack -> {
                    t[2] = System.nanoTime();
                    return mqtt.disconnect();
                });
    }

    private HttpRequest tokenRequest(Device device) throws Exception {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                .x509CertChain(List.of(Base64.encode(device.issued.cert().getEncoded()))).build(),
                new JWTClaimsSet.Builder().issuer(device.id).subject(device.id).audience(baseUrl + "/oauth/token")
                        .jwtID(UUID.randomUUID().toString())
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(120))).build());
        ECDSASigner signer = new ECDSASigner(device.key);
        signer.getJCAContext().setProvider(crypto.signatureProvider());
        jwt.sign(signer);
        String form = "grant_type=client_credentials&client_assertion_type="
                + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", StandardCharsets.UTF_8)
                + "&client_assertion=" + jwt.serialize();
        return HttpRequest.newBuilder(URI.create(baseUrl + "/oauth/token")).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
    }
}
