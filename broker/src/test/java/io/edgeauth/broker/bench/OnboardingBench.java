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
import io.edgeauth.broker.provisioning.BulkImportClient;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Zero-touch onboarding end to end, load client and broker in separate processes: N devices new to the
 * broker, each with a key certified by a fleet CA the broker trusts: ES256 assertion with {@code x5c} ->
 * {@code /oauth/token} (chain validated, record created on first use, token issued) -> MQTT 5 CONNECT with
 * the token -> one QoS 1 PUBLISH acknowledged. Reports devices/s, p50/p99 per stage, the broker's CPU per
 * device (/proc), the EC crypto floor of the broker's part measured here in the same run (3 ES256 verifies:
 * certificate, assertion, token at CONNECT; 1 ES256 sign: the token; ACCP as the broker uses), their ratio,
 * Vert.x blocked-thread warnings in the broker's log, and bulk import records/s on the same broker.
 * usage: OnboardingBench DEVICES CONCURRENCY IMPORT_RECORDS WORKDIR
 */
public final class OnboardingBench {
    private OnboardingBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args[0]);
        int concurrency = Integer.parseInt(args[1]);
        int importRecords = Integer.parseInt(args[2]);
        Path work = Path.of(args[3]);
        FleetPki pki = new FleetPki("bench fleet CA");
        Path caFile = work.resolve("ca.pem");
        Files.writeString(caFile, FleetPki.pem(pki.caCertificate()));
        Path brokerLog = work.resolve("broker.log");
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(work.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_HTTP_MAX_PENDING_REQUESTS", "100000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "100000000",
                "EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"bench\",\"certificateFile\":\"" + caFile + "\"}]")),
                List.of("-Xmx1g"), ProcessBuilder.Redirect.to(brokerLog.toFile()));
        try {
            List<FleetPki.Issued> fleet = new ArrayList<>();
            for (int i = 0; i < devices + 200; i++) {
                fleet.add(pki.device(String.format("ob-%07d", i)));
            }
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String audience = broker.url() + "/oauth/token";
            // warm-up: JIT on both sides, not counted
            run(fleet.subList(devices, devices + 200), broker, http, audience, concurrency, new Stages());
            Stages stages = new Stages();
            long cpuBefore = MqttLoadBench.cpuTicks(broker.pid());
            long start = System.nanoTime();
            int failed = run(fleet.subList(0, devices), broker, http, audience, concurrency, stages);
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpuTicks = MqttLoadBench.cpuTicks(broker.pid()) - cpuBefore;
            double brokerUsPerDevice = cpuTicks * 10_000.0 / devices;
            double floorUs = cryptoFloorMicros();
            double importPerSecond = bulkImport(broker, work, importRecords);
            long blocked = Files.readAllLines(brokerLog).stream().filter(l -> l.contains("has been blocked")).count();
            System.out.printf("onboarding devices=%d failed=%d devices/s=%.0f token_p50/p99=%.1f/%.1fms"
                            + " connect_p50/p99=%.1f/%.1fms publish_p50/p99=%.1f/%.1fms total_p50/p99=%.1f/%.1fms"
                            + " broker_cpu_us/device=%.0f ec_floor_us/device=%.0f flow/floor=%.2f blocked_warnings=%d"
                            + " bulk_import records=%d records/s=%.0f%n",
                    devices, failed, devices / seconds, ms(stages.token, 50), ms(stages.token, 99), ms(stages.connect, 50),
                    ms(stages.connect, 99), ms(stages.publish, 50), ms(stages.publish, 99), ms(stages.total, 50),
                    ms(stages.total, 99), brokerUsPerDevice, floorUs, brokerUsPerDevice / floorUs, blocked,
                    importRecords, importPerSecond);
        } finally {
            broker.close();
        }
        System.exit(0);
    }

    /** Latencies per stage, in microseconds. */
    static final class Stages {
        final Histogram token = new ConcurrentHistogram(3);
        final Histogram connect = new ConcurrentHistogram(3);
        final Histogram publish = new ConcurrentHistogram(3);
        final Histogram total = new ConcurrentHistogram(3);
    }

    private static int run(List<FleetPki.Issued> fleet, BrokerProcess broker, HttpClient http, String audience,
                           int concurrency, Stages stages) throws Exception {
        Semaphore window = new Semaphore(concurrency);
        AtomicInteger failed = new AtomicInteger();
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (FleetPki.Issued device : fleet) {
            window.acquire();
            String id = device.cert().getSubjectX500Principal().getName().substring(3);
            long t0 = System.nanoTime();
            long[] t = new long[3];
            CompletableFuture<?> f = http.sendAsync(tokenRequest(device, id, audience, broker.url()),
                            HttpResponse.BodyHandlers.ofString())
                    .thenCompose(r -> {
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException(id + ": HTTP " + r.statusCode() + " " + r.body());
                        }
                        t[0] = System.nanoTime();
                        Mqtt5AsyncClient mqtt = MqttClient.builder().useMqttVersion5().identifier(id)
                                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildAsync();
                        String token = new JsonObject(r.body()).getString("access_token");
                        return mqtt.connectWith().simpleAuth().username(id).password(token.getBytes(StandardCharsets.US_ASCII))
                                .applySimpleAuth().send()
                                .thenCompose(ack -> {
                                    t[1] = System.nanoTime();
                                    return mqtt.publishWith().topic("d/" + id + "/up/hello").qos(MqttQos.AT_LEAST_ONCE)
                                            .payload(new byte[16]).send();
                                })
                                .thenCompose(ack -> {
                                    t[2] = System.nanoTime();
                                    return mqtt.disconnect();
                                });
                    })
                    .whenComplete((v, e) -> {
                        window.release();
                        if (e != null) {
                            if (failed.incrementAndGet() <= 3) {
                                System.err.println("failed: " + e);
                            }
                            return;
                        }
                        stages.token.recordValue((t[0] - t0) / 1000);
                        stages.connect.recordValue((t[1] - t[0]) / 1000);
                        stages.publish.recordValue((t[2] - t[1]) / 1000);
                        stages.total.recordValue((t[2] - t0) / 1000);
                    });
            all.add(f);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(10, TimeUnit.MINUTES);
        return failed.get();
    }

    private static HttpRequest tokenRequest(FleetPki.Issued device, String id, String audience, String base) {
        try {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                    .x509CertChain(List.of(Base64.encode(device.cert().getEncoded()))).build(),
                    new JWTClaimsSet.Builder().issuer(id).subject(id).audience(audience).jwtID(UUID.randomUUID().toString())
                            .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(120))).build());
            jwt.sign(new ECDSASigner((ECPrivateKey) device.keys().getPrivate()));
            String form = "grant_type=client_credentials&client_assertion_type="
                    + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", StandardCharsets.UTF_8)
                    + "&client_assertion=" + jwt.serialize();
            return HttpRequest.newBuilder(URI.create(base + "/oauth/token")).timeout(Duration.ofSeconds(60))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** CPU microseconds of 3 ES256 verifies + 1 ES256 sign with the broker's provider, one thread. */
    static double cryptoFloorMicros() throws Exception {
        CryptoProviders crypto = CryptoProviders.select(true);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = g.generateKeyPair();
        byte[] data = new byte[300];
        Signature signer = crypto.signature("SHA256withECDSA");
        signer.initSign(keys.getPrivate());
        signer.update(data);
        byte[] sig = signer.sign();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int n = 3000;
        for (int round = 0; round < 2; round++) { // the first round warms up
            long cpu = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                Signature s = crypto.signature("SHA256withECDSA");
                s.initSign(keys.getPrivate());
                s.update(data);
                s.sign();
                for (int v = 0; v < 3; v++) {
                    Signature verify = crypto.signature("SHA256withECDSA");
                    verify.initVerify(keys.getPublic());
                    verify.update(data);
                    verify.verify(sig);
                }
            }
            if (round == 1) {
                return (threads.getCurrentThreadCpuTime() - cpu) / 1000.0 / n;
            }
        }
        throw new IllegalStateException();
    }

    private static double bulkImport(BrokerProcess broker, Path work, int records) throws Exception {
        Path file = work.resolve("import.ndjson");
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < records; i++) {
                w.write("{\"id\":\"imp-" + i + "\",\"x5tS256\":\"" + "A".repeat(43) + "\",\"region\":[\"u33d\"]}\n");
            }
        }
        long start = System.nanoTime();
        try (BulkImportClient client = new BulkImportClient()) {
            BulkImportClient.Summary s = client.importFile(URI.create(broker.url()), broker.admin(), file, line -> { });
            if (s.summary() == null || s.summary().getLong("created") != records) {
                throw new IllegalStateException("import incomplete: " + s);
            }
        }
        return records / ((System.nanoTime() - start) / 1e9);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
