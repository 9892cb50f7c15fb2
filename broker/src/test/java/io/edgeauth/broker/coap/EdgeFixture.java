package io.edgeauth.broker.coap;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.DefaultAuthPipeline;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Endpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * A running CoAP edge on ephemeral ports with the real authentication pipeline, revocation service and
 * registry (MVStore in a temp dir), a stand-in token verifier, test rate limits and in-memory messaging;
 * plus Californium clients for plain CoAP and each DTLS credential type.
 */
final class EdgeFixture implements AutoCloseable {
    static final byte[] MASTER = "0123456789abcdef-fleet-master-secret".getBytes();

    final MutableClock clock = new MutableClock(Instant.now());
    final MvStoreStore store;
    final DeviceRegistry registry;
    final RevocationService revocations;
    final TestRateLimits rateLimits = new TestRateLimits();
    final InMemoryCoapMessaging messaging = new InMemoryCoapMessaging();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<String> audit = new CopyOnWriteArrayList<>();
    /** The same events with their fields: {@code event outcome {fields}}. */
    final List<String> auditLines = new CopyOnWriteArrayList<>();
    final TestPki pki;
    final TestPki.Issued serverCert;
    final CoapEdge edge;
    private final List<Endpoint> clientEndpoints = new ArrayList<>();

    EdgeFixture(Path dir) throws Exception {
        this(dir, s -> s);
    }

    EdgeFixture(Path dir, UnaryOperator<CoapSettings> tweak) throws Exception {
        this(dir, tweak, (CoapTokenIssuer) null);
    }

    EdgeFixture(Path dir, UnaryOperator<CoapSettings> tweak, CoapTokenIssuer issuer) throws Exception {
        this(dir, tweak, issuer, p -> p);
    }

    /** {@code around} wraps the pipeline the edge gets (a test that holds its answers back). */
    EdgeFixture(Path dir, UnaryOperator<CoapSettings> tweak, CoapTokenIssuer issuer,
                UnaryOperator<io.edgeauth.broker.auth.AuthPipeline> around) throws Exception {
        this(dir, tweak, issuer, around, null);
    }

    /** An edge that keeps its DTLS sessions in {@code dtlsSessions} across a clean stop (a restart is a new fixture). */
    EdgeFixture(Path dir, UnaryOperator<CoapSettings> tweak, Path dtlsSessions) throws Exception {
        this(dir, tweak, null, p -> p, dtlsSessions);
    }

    private EdgeFixture(Path dir, UnaryOperator<CoapSettings> tweak, CoapTokenIssuer issuer,
                        UnaryOperator<io.edgeauth.broker.auth.AuthPipeline> around, Path dtlsSessions) throws Exception {
        store = new MvStoreStore(dir.resolve("coap.mv"), clock);
        registry = new DeviceRegistry(store);
        revocations = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
        for (String id : List.of("dev1", "dev2", "rpk1", "x509dev")) {
            register(id);
        }
        pki = new TestPki();
        serverCert = pki.server("localhost");
        AuditLog auditLog = (event, outcome, fields) -> {
            auditLines.add(event + " " + outcome + " " + fields);
            audit.add(event + " " + outcome);
        };
        DefaultAuthPipeline pipeline = DefaultAuthPipeline.builder().verifier(new TestTokens(clock))
                .revocations(revocations).registry(registry).rateLimits(rateLimits).geo(new GeoPolicy(""))
                .tenantOfIssuer(iss -> TestTokens.ISS.equals(iss) ? "default" : null).defaultRatePlan("default")
                .audit(auditLog).meters(meters).clock(clock).clockLeeway(Duration.ZERO).build(); // TestTokens: no leeway
        io.edgeauth.broker.testsupport.IssuedSecrets.record(new String(MASTER, java.nio.charset.StandardCharsets.UTF_8));
        CoapSettings settings = CoapSettings.defaults().withPsk(MASTER)
                .withCertificates(serverCert.privateKey(), List.of(serverCert.cert()), List.of(pki.ca.cert()), true)
                .withPorts("127.0.0.1", 0, 0);
        edge = new CoapEdge(tweak.apply(settings), around.apply(pipeline), revocations, revocations, rateLimits,
                name -> RatePlan.defaultPlan(), new GeoPolicy(""), messaging, auditLog, meters, clock);
        if (issuer != null) {
            edge.tokenIssuer(issuer);
        }
        if (dtlsSessions != null) {
            edge.keepDtlsSessionsIn(dtlsSessions);
        }
        edge.start();
    }

    void register(String id) {
        registry.register(new Device(id, "default", new Device.Credential(Device.CredentialType.JWK, "{}"),
                List.of(), null, null, clock.instant()));
    }

    Instant in(Duration d) {
        return clock.instant().plus(d);
    }

    byte[] token(String sub) {
        return TestTokens.token(sub, in(Duration.ofMinutes(10))).bytes();
    }

    String coap(String path) {
        return "coap://127.0.0.1:" + edge.port() + path;
    }

    String coaps(String path) {
        return "coaps://127.0.0.1:" + edge.dtlsPort() + path;
    }

    /** A client with its own plain UDP endpoint (its own source port, so its own session). */
    CoapClient plainClient(String path) {
        Configuration c = clientConfig();
        CoapEndpoint ep = CoapEndpoint.builder().setConfiguration(c)
                .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
        return client(coap(path), ep);
    }

    CoapClient pskClient(String identity, byte[] psk, String path) {
        return pskClient(identity, psk, coaps(path), clientConfig());
    }

    /** A PSK client of {@code uri} (the edge's DTLS port, or a relay in front of it) with its own configuration. */
    CoapClient pskClient(String identity, byte[] psk, String uri, Configuration c) {
        io.edgeauth.broker.testsupport.IssuedSecrets.recordKey(psk);
        DtlsConnectorConfig cfg = DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress("127.0.0.1", 0))
                .setAdvancedPskStore(new AdvancedSinglePskStore(identity, psk)).build();
        CoapEndpoint ep = CoapEndpoint.builder().setConfiguration(c).setConnector(new DTLSConnector(cfg)).build();
        return client(uri, ep);
    }

    CoapClient rpkClient(KeyPair keys, String path) {
        Configuration c = clientConfig();
        DtlsConnectorConfig cfg = DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress("127.0.0.1", 0))
                .setCertificateIdentityProvider(new SingleCertificateProvider(keys.getPrivate(), keys.getPublic()))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                        .setTrustedCertificates(pki.ca.cert()).setTrustAllRPKs().build())
                .build();
        return dtlsClient(path, c, cfg);
    }

    CoapClient x509Client(TestPki.Issued cert, String path) {
        Configuration c = clientConfig();
        DtlsConnectorConfig cfg = DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress("127.0.0.1", 0))
                .setCertificateIdentityProvider(new SingleCertificateProvider(cert.privateKey(),
                        new Certificate[] {cert.cert()}, CertificateType.X_509))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                        .setTrustedCertificates(pki.ca.cert()).build())
                .build();
        return dtlsClient(path, c, cfg);
    }

    private CoapClient dtlsClient(String path, Configuration c, DtlsConnectorConfig cfg) {
        CoapEndpoint ep = CoapEndpoint.builder().setConfiguration(c).setConnector(new DTLSConnector(cfg)).build();
        return client(coaps(path), ep);
    }

    private CoapClient client(String uri, CoapEndpoint ep) {
        synchronized (clientEndpoints) {
            clientEndpoints.add(ep);
        }
        CoapClient client = new CoapClient(uri);
        client.setEndpoint(ep);
        client.setTimeout(10_000L);
        return client;
    }

    static Configuration clientConfig() {
        Configuration c = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS,
                SystemConfig.DEFINITIONS);
        c.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
        c.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, 0); // understand the server's connection IDs
        c.set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false);
        c.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 256 * 1024);
        return c;
    }

    @Override
    public void close() {
        synchronized (clientEndpoints) {
            for (Endpoint ep : clientEndpoints) {
                ep.destroy();
            }
        }
        edge.stop();
        store.close();
    }
}
