package io.edgeauth.broker.coap;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.DefaultAuthPipeline;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.MvStoreStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;

/**
 * Load comparison: telemetry POSTs (CON, one outstanding request per client, plain CoAP on loopback) against
 * the full edge (token session lookup, ACL, rate limiter, router publish) and against a bare Californium server
 * with the same configuration and a resource that only answers 2.04. Run with {@code bench/coap-bench}.
 * Arguments: {@code edge|bare|edge-dtls|bare-dtls [seconds] [clients]}; the {@code -dtls} modes use DTLS 1.2
 * PSK (derived keys, connection IDs) and also report the handshake rate of the set-up phase.
 */
public final class CoapBench {
    private CoapBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "edge";
        boolean dtls = mode.endsWith("-dtls");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        CoapSettings settings = dtls ? CoapSettings.defaults().withPsk(EdgeFixture.MASTER).withPorts("127.0.0.1", -1, 0)
                : CoapSettings.defaults();
        LongAdder published = new LongAdder();
        AutoCloseable server;
        int port;
        Path dir = Files.createTempDirectory("coap-bench");
        MvStoreStore store = null;
        if (mode.startsWith("bare")) {
            Configuration config = CoapEdge.configuration(settings);
            CoapServer s = new CoapServer(config);
            s.add(new CoapResource("d") {
                @Override
                public Resource getChild(String name) {
                    return this;
                }

                @Override
                public void handlePOST(CoapExchange exchange) {
                    published.increment();
                    exchange.respond(ResponseCode.CHANGED);
                }
            });
            CoapEndpoint ep = dtls
                    ? CoapEndpoint.builder().setConfiguration(config).setConnector(
                            new org.eclipse.californium.scandium.DTLSConnector(CoapEdge.dtlsConfig(settings, config)))
                            .build()
                    : CoapEndpoint.builder().setConfiguration(config)
                    .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
            s.addEndpoint(ep);
            s.start();
            port = ep.getAddress().getPort();
            server = s::destroy;
        } else {
            Clock clock = Clock.systemUTC();
            store = new MvStoreStore(dir.resolve("bench.mv"), clock);
            DeviceRegistry registry = new DeviceRegistry(store);
            for (int i = 0; i < clients; i++) {
                registry.register(new Device("bench" + i, "default",
                        new Device.Credential(Device.CredentialType.JWK, "{}"), List.of(), null, null, clock.instant()));
            }
            RevocationService revocations = new RevocationService(store, clock, Duration.ofMinutes(10),
                    Duration.ofSeconds(30));
            TestRateLimits limits = new TestRateLimits();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            DefaultAuthPipeline pipeline = new DefaultAuthPipeline(new TestTokens(clock), revocations, registry, limits,
                    new GeoPolicy(""), iss -> "default", iss -> null, "default", AuditLog.NOOP, meters);
            CoapMessaging counting = new CoapMessaging() {
                @Override
                public void publish(String tenant, String topic, byte[] payload, String geo) {
                    published.increment();
                }

                @Override
                public AutoCloseable subscribe(String tenant, String topic, java.util.function.Consumer<byte[]> m) {
                    return () -> { };
                }
            };
            CoapEdge edge = new CoapEdge(settings, pipeline, revocations, revocations, limits,
                    n -> RatePlan.defaultPlan(), new GeoPolicy(""), counting, AuditLog.NOOP, meters, clock);
            edge.start();
            port = dtls ? edge.dtlsPort() : edge.port();
            server = edge;
        }

        List<CoapClient> cs = new ArrayList<>();
        String scheme = dtls ? "coaps" : "coap";
        long setupStart = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            Configuration cc = EdgeFixture.clientConfig();
            CoapEndpoint ep = dtls
                    ? CoapEndpoint.builder().setConfiguration(cc).setConnector(
                            new org.eclipse.californium.scandium.DTLSConnector(
                                    org.eclipse.californium.scandium.config.DtlsConnectorConfig.builder(cc)
                                            .setAddress(new InetSocketAddress("127.0.0.1", 0))
                                            .setAdvancedPskStore(
                                                    new org.eclipse.californium.scandium.dtls.pskstore
                                                            .AdvancedSinglePskStore("bench" + i,
                                                            DerivedPskStore.derive(EdgeFixture.MASTER, "bench" + i)))
                                            .build())).build()
                    : CoapEndpoint.builder().setConfiguration(cc)
                    .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
            CoapClient c = new CoapClient(scheme + "://127.0.0.1:" + port + "/authz-info");
            c.setEndpoint(ep);
            c.setTimeout(5000L);
            if (mode.startsWith("bare")) {
                c.setURI(scheme + "://127.0.0.1:" + port + "/d/warmup");
                c.post("w", MediaTypeRegistry.TEXT_PLAIN); // the handshake
            } else {
                byte[] token = TestTokens.token("bench" + i, Instant.now().plusSeconds(600)).bytes();
                CoapResponse r = c.post(token, MediaTypeRegistry.APPLICATION_CWT);
                if (r == null || r.getCode() != ResponseCode.CREATED) {
                    throw new IllegalStateException("token upload failed: " + (r == null ? "timeout" : r.getCode()));
                }
            }
            c.setURI(scheme + "://127.0.0.1:" + port + "/d/bench" + i + "/up/temp");
            cs.add(c);
        }
        double setupSecs = (System.nanoTime() - setupStart) / 1e9;
        if (dtls) {
            System.out.printf("mode=%s set-up: %d sequential PSK handshakes%s in %.2f s (%.0f/s)%n", mode, clients,
                    mode.startsWith("edge") ? " + token uploads" : "", setupSecs, clients / setupSecs);
        }
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long warm = System.nanoTime() + Duration.ofSeconds(Math.min(2, seconds / 4)).toNanos();
        LongAdder ok = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicLong measureStart = new AtomicLong();
        long[][] lat = new long[clients][];
        CountDownLatch done = new CountDownLatch(clients);
        byte[] payload = "{\"t\":21.5,\"h\":40}".getBytes();
        for (int i = 0; i < clients; i++) {
            int n = i;
            Thread t = new Thread(() -> {
                long[] samples = new long[1 << 20];
                int count = 0;
                CoapClient c = cs.get(n);
                try {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        CoapResponse r = c.post(payload, MediaTypeRegistry.APPLICATION_JSON);
                        long t1 = System.nanoTime();
                        if (t0 < warm) {
                            continue;
                        }
                        measureStart.compareAndSet(0, t0);
                        if (r != null && r.getCode() == ResponseCode.CHANGED) {
                            ok.increment();
                            if (count < samples.length) {
                                samples[count++] = t1 - t0;
                            }
                        } else {
                            failed.increment();
                        }
                    }
                } catch (Exception e) {
                    failed.increment();
                } finally {
                    lat[n] = Arrays.copyOf(samples, count);
                    done.countDown();
                }
            }, "bench-" + i);
            t.start();
        }
        done.await();
        double secs = (System.nanoTime() - measureStart.get()) / 1e9;
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.printf("mode=%s clients=%d seconds=%.1f ok=%d failed=%d rate=%.0f req/s p50=%.0f us p99=%.0f us "
                        + "published=%d%n", mode, clients, secs, ok.sum(), failed.sum(), ok.sum() / secs,
                pct(all, 0.50) / 1e3, pct(all, 0.99) / 1e3, published.sum());
        for (CoapClient c : cs) {
            c.getEndpoint().destroy();
        }
        server.close();
        if (store != null) {
            store.close();
        }
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }
}
