package io.edgeauth.broker.coap;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.DefaultAuthPipeline;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.testsupport.CountingSubscriber;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.MvStoreStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;

/**
 * The server half of the out-of-process CoAP benchmarks ({@code bench/coap-cpu}, {@code bench/coap-handshakes},
 * {@code bench/coap-sessions}): starts one server in this JVM so its CPU (/proc/&lt;pid&gt;/stat) and heap
 * ({@code jcmd}) can be measured apart from the load client ({@link CoapBenchClient}).
 *
 * <p>Arguments: {@code mode [devices] [pkiDir]}.
 * Modes: {@code bare|edge} (plain CoAP), {@code bare-dtls|edge-dtls} (DTLS 1.2 PSK with derived keys, connection
 * IDs; the edge benchmark settings), {@code bare-x509|edge-x509} (the edge's full DTLS configuration: PSK and
 * ECDSA certificates with mutual authentication from {@link TestPki}; the CA key and certificate are written to
 * {@code pkiDir} so clients can issue certificates). The edge runs the real pipeline, registry (devices
 * {@code bench0..bench<devices-1>}), revocation service, Bucket4j rate limiter (a plan far above the bench rate)
 * and topic router (one subscriber of {@code d/+/up/#} standing in for an MQTT subscriber); the bare server is a
 * Californium {@link CoapServer} (same Californium/Scandium configuration from {@link CoapEdge}) whose resource
 * only answers 2.04 (POST) / 2.01 on {@code /authz-info}. Prints {@code READY mode=.. port=.. pid=..}, then
 * runs until killed; edge modes print {@code sessions=N} whenever the session count changes.
 *
 * <p>{@code -Dbench.nativeEcdh=true|false}: EC key pairs, ECDH and ECDSA from ACCP ({@link CryptoProviders#installNativeDtlsEc}); default
 * true for the edge (as the broker installs it with {@code crypto.useNativeProvider}), false for the bare server
 * (Scandium as it ships, on the JDK's EC).
 */
public final class CoapBenchServer {
    private CoapBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "edge";
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Path pkiDir = args.length > 2 ? Path.of(args[2]) : null;
        boolean x509 = mode.endsWith("-x509");
        if (Boolean.parseBoolean(System.getProperty("bench.nativeEcdh", String.valueOf(!mode.startsWith("bare"))))) {
            CryptoProviders.installNativeDtlsEc();
        }
        boolean dtls = mode.endsWith("-dtls") || x509;
        CoapSettings settings = CoapSettings.defaults().withLimits(1_000_000, 64 * 1024, 4096);
        if (dtls) {
            settings = settings.withPsk(EdgeFixture.MASTER).withPorts("127.0.0.1", -1, 0);
        }
        if (x509) {
            TestPki pki = new TestPki();
            TestPki.Issued serverCert = pki.server("localhost");
            settings = settings.withCertificates(serverCert.privateKey(), List.of(serverCert.cert()),
                    List.of(pki.ca.cert()), false);
            if (pkiDir == null) {
                throw new IllegalArgumentException("x509 modes need a pkiDir for the CA");
            }
            pki.saveCa(pkiDir);
        }
        // clients may be many distinct peers (sessions bench): keep Californium's per-peer state for all of them
        int peers = Integer.getInteger("bench.connections", 150_000);
        settings = settings.withSockets(settings.receiveBufferSize(), settings.sendBufferSize(), peers,
                settings.connectionIdLength());
        // -Dbench.dedupPerPeer=N: PEERS_MARK_AND_SWEEP exchanges remembered per peer (default 4)
        Integer perPeer = Integer.getInteger("bench.dedupPerPeer");
        if (perPeer != null) {
            settings = settings.withDeduplicator(CoapSettings.Deduplicator.PEERS_MARK_AND_SWEEP, perPeer);
        }
        // -Dbench.dedupLifetime=SECONDS: how long requests are remembered (default 60 s)
        Integer lifetime = Integer.getInteger("bench.dedupLifetime");
        if (lifetime != null) {
            settings = settings.withDedupLifetime(Duration.ofSeconds(lifetime));
        }
        int port;
        AutoCloseable server;
        CoapEdge edge = null;
        CountingSubscriber routedCount = null;
        MvStoreStore store = null;
        if (mode.startsWith("bare")) {
            LongAdder published = new LongAdder();
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
            }, new CoapResource("authz-info") {
                @Override
                public void handlePOST(CoapExchange exchange) {
                    exchange.respond(ResponseCode.CREATED);
                }
            });
            CoapEndpoint ep;
            if (dtls) {
                Configuration dtlsConfig = new Configuration(config);
                dtlsConfig.set(CoapConfig.RESPONSE_MATCHING, CoapConfig.MatcherMode.PRINCIPAL);
                ep = CoapEndpoint.builder().setConfiguration(dtlsConfig)
                        .setConnector(new DTLSConnector(CoapEdge.dtlsConfig(settings, dtlsConfig))).build();
            } else {
                ep = CoapEndpoint.builder().setConfiguration(config)
                        .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
            }
            s.addEndpoint(ep);
            s.start();
            port = ep.getAddress().getPort();
            server = s::destroy;
        } else {
            Clock clock = Clock.systemUTC();
            Path dir = Files.createTempDirectory("coap-bench-server");
            store = new MvStoreStore(dir.resolve("bench.mv"), clock);
            DeviceRegistry registry = new DeviceRegistry(store);
            for (int i = 0; i < devices; i++) {
                registry.register(new Device("bench" + i, "default",
                        new Device.Credential(Device.CredentialType.JWK, "{}"), List.of(), null, null, clock.instant()));
            }
            RevocationService revocations = new RevocationService(store, clock, Duration.ofMinutes(10),
                    Duration.ofSeconds(30));
            // the broker's own rate limiter (Bucket4j buckets) with a plan far above the bench rate, so every
            // request really spends budget but none is refused
            LocalRateLimits limits = new LocalRateLimits(new LocalRateLimits.Settings(1_000_000, 1_000_000, 5,
                    1_000_000, Duration.ofMinutes(10)));
            RatePlan benchPlan = new RatePlan("bench", RatePlan.MAX_MESSAGES_PER_SECOND, 1_000_000, RatePlan.MAX_BYTES_PER_SECOND);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            DefaultAuthPipeline pipeline = DefaultAuthPipeline.builder().verifier(new TestTokens(clock))
                    .revocations(revocations).registry(registry).rateLimits(limits).geo(new GeoPolicy(""))
                    .tenantOfIssuer(iss -> "default").defaultRatePlan("default").audit(AuditLog.NOOP).meters(meters)
                    .clock(clock).clockLeeway(Duration.ZERO).build();
            // the broker's topic router with one subscriber of all telemetry, as an MQTT subscriber of d/+/up/#
            TopicRouter router = new TopicRouter(1000, null);
            CountingSubscriber routed = new CountingSubscriber();
            router.subscribe("default", "d/+/up/#", 1, routed);
            edge = new CoapEdge(settings, pipeline, revocations, revocations, limits, n -> benchPlan,
                    new GeoPolicy(""), new RouterCoapMessaging(router), AuditLog.NOOP, meters, clock);
            edge.start();
            routedCount = routed;
            port = dtls ? edge.dtlsPort() : edge.port();
            server = edge;
        }
        System.out.println("settings " + settings);
        System.out.printf("READY mode=%s port=%d pid=%d nativeEcdh=%s end%n", mode, port, ProcessHandle.current().pid(),
                io.edgeauth.device.DtlsEcProvider.installed());
        System.out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        MvStoreStore s = store;
        CountingSubscriber routedAtExit = routedCount;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (routedAtExit != null) { // lets the scripts check that every answered POST was routed
                System.out.println("routed=" + routedAtExit.count());
                System.out.flush();
            }
            try {
                server.close();
                if (s != null) {
                    s.close();
                }
            } catch (Exception e) {
                // exiting anyway
            }
            stop.countDown();
        }));
        long last = -1;
        while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            if (edge != null) {
                long n = edge.sessionCount();
                if (n != last) {
                    System.out.println("sessions=" + n);
                    System.out.flush();
                    last = n;
                }
            }
        }
    }
}
