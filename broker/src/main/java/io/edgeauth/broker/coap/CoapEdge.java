package io.edgeauth.broker.coap;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.AuthPipeline;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.revocation.RevocationEvents;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Endpoint;
import org.eclipse.californium.core.network.RandomTokenGenerator;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.util.DaemonThreadFactory;
import org.eclipse.californium.elements.util.NamedThreadFactory;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.x509.NewAdvancedCertificateVerifier;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CoAP edge of the broker (docs/contract.md "CoAP"): a Californium server with a plain UDP listener
 * (development) and a Scandium DTLS 1.2 listener (X.509 mutual authentication, RFC 7250 raw public keys,
 * PSK derived per device from a fleet master secret, RFC 9146 connection IDs). Devices upload their token to
 * {@code /authz-info} (RFC 9200 §5.10.1, RFC 9202); the token is checked by the shared {@link AuthPipeline}
 * and bound to the DTLS peer identity. Resources: {@code POST /d/{id}/up/{path...}} (telemetry) and
 * {@code GET /d/{id}/down} with Observe (commands).
 *
 * <p>Lifecycle: construct, {@link #start()}, read {@link #port()} / {@link #dtlsPort()}, {@link #stop()}.
 * Thread-safe.
 */
public final class CoapEdge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoapEdge.class);

    private final CoapSettings settings;
    private final EdgeHandlers handlers;
    private final DtlsPskRefusals pskRefusals;
    private CoapTokenIssuer tokenIssuer;
    private CoapServer server;
    private Endpoint plain;
    private Endpoint secure;
    /** Device certificate and raw public key checks of the DTLS listener, or null. */
    private ReloadableCertificateVerifier certificateVerifier;
    /** The DTLS listener's own key and certificate, or null (PSK only). */
    private ReloadableCertificateProvider serverIdentity;
    private ExecutorService dtlsWorkers;
    /** Where the DTLS connections are kept across a clean restart, or null. */
    private DtlsSessionsFile sessionsFile;
    /** Where the command observers' state is kept across a clean restart, or null. */
    private CoapCommandsFile commandsFile;
    private DTLSConnector dtlsConnector;
    /** Closes idle DTLS connections without a token binding (null: no DTLS listener, or stopped). */
    private IdleDtlsConnections idleConnections;
    private long idleClosedBefore;
    /** DTLS connections restored at the last start (a gauge). */
    private final java.util.concurrent.atomic.AtomicInteger restoredSessions = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param ratePlans maps a session's rate plan name to the plan (unknown names should give the default plan)
     */
    public CoapEdge(CoapSettings settings, AuthPipeline pipeline, RevocationEvents revocationEvents,
                    RevocationChecker revocationChecker, RateLimits rateLimits, Function<String, RatePlan> ratePlans,
                    GeoPolicy geo, CoapMessaging messaging, AuditLog audit, MeterRegistry meters) {
        this(settings, pipeline, revocationEvents, revocationChecker, rateLimits, ratePlans, geo, messaging, audit,
                meters, Clock.systemUTC());
    }

    /** As above with the clock that decides token expiry (tests). */
    public CoapEdge(CoapSettings settings, AuthPipeline pipeline, RevocationEvents revocationEvents,
                    RevocationChecker revocationChecker, RateLimits rateLimits, Function<String, RatePlan> ratePlans,
                    GeoPolicy geo, CoapMessaging messaging, AuditLog audit, MeterRegistry meters, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.handlers = new EdgeHandlers(settings, pipeline, revocationEvents, revocationChecker, rateLimits,
                ratePlans, geo, messaging, audit, meters, clock);
        this.pskRefusals = new DtlsPskRefusals(audit, meters);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.coap.dtls.sessions.restored", restoredSessions, Number::doubleValue)
                .description("DTLS sessions restored at start from the last clean stop").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("edgeauth.coap.dtls.idle.closed", this,
                        e -> e.idleConnections == null ? e.idleClosedBefore : e.idleClosedBefore + e.idleConnections.ended())
                .description("DTLS peers whose connections were dropped after " + IdleDtlsConnections.IDLE.toHours()
                        + " hours of silence without a token binding").register(meters);
    }

    /**
     * Checks end-to-end payload signatures of devices' telemetry (Uri-Query {@code sig=}). Call before
     * {@link #start()}.
     */
    public synchronized CoapEdge payloadCheck(PublishGate.PayloadCheck check) {
        if (server != null) {
            throw new IllegalStateException("set the payload check before start()");
        }
        handlers.payloadCheck(check);
        return this;
    }

    /**
     * The node's admission control: a token upload or {@code /token} request beyond its limit of
     * authentications in flight gets 5.03 with Max-Age before any work. Call before {@link #start()}.
     */
    public CoapEdge admission(io.edgeauth.broker.admission.AdmissionControl control) {
        handlers.admission(java.util.Objects.requireNonNull(control, "control"));
        return this;
    }

    /**
     * Serves {@code POST /token} (ACE token requests with an RFC 7523 client assertion) through this issuer.
     * Call before {@link #start()}; without it there is no {@code /token} resource.
     */
    public synchronized CoapEdge tokenIssuer(CoapTokenIssuer issuer) {
        if (server != null) {
            throw new IllegalStateException("set the token issuer before start()");
        }
        this.tokenIssuer = issuer;
        return this;
    }

    /**
     * Keeps the DTLS listener's established connections in {@code file} when the edge stops and restores them from it
     * at {@link #start()} (see {@link DtlsSessionsFile}). Call before {@link #start()}; no effect without DTLS.
     */
    public synchronized CoapEdge keepDtlsSessionsIn(java.nio.file.Path file) {
        if (server != null) {
            throw new IllegalStateException("set the DTLS sessions file before start()");
        }
        this.sessionsFile = DtlsSessionsFile.of(file, settings);
        return this;
    }

    /**
     * Keeps the command observers (every principal observing its commands, and what waits for it) in {@code file} when
     * the edge stops, and parks them again at {@link #start()} for {@code commandRetention} (see
     * {@link CoapCommandsFile}). Call before {@link #start()}; no effect with a retention of zero.
     */
    public synchronized CoapEdge keepCommandsIn(java.nio.file.Path file) {
        if (server != null) {
            throw new IllegalStateException("set the commands file before start()");
        }
        this.commandsFile = settings.commandRetention().isZero() ? null : new CoapCommandsFile(file);
        return this;
    }

    /** Binds the listeners and starts serving; the actual ports are then in {@link #port()} / {@link #dtlsPort()}. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        if (settings.dtlsPort() >= 0) {
            JdkHmacProvider.protectScandium();
        }
        Configuration config = configuration(settings);
        UdpBufferCheck.warnIfCapped(settings.receiveBufferSize(), settings.sendBufferSize());
        CoapServer s = new EdgeCoapServer(config);
        // format errors get an RST (RFC 7252 §4.2), not Californium's 4.02: see StrictUdpDataParser
        StrictUdpDataParser parser = new StrictUdpDataParser(config.get(CoapConfig.STRICT_EMPTY_MESSAGE_FORMAT));
        int dedupBound = BoundedDeduplicator.boundOf(settings,
                (settings.port() >= 0 ? 1 : 0) + (settings.dtlsPort() >= 0 ? 1 : 0));
        EdgeCoapStackFactory stack = new EdgeCoapStackFactory(settings,
                peer -> handlers.sessions().current(PeerIdentity.keyOf(peer)) != null, handlers.audit());
        DeviceResources.Devices devices = new DeviceResources.Devices(handlers);
        s.add(new AuthzInfoResource(handlers), devices);
        s.setMessageDeliverer(new DeviceResources.Deliverer(s.getRoot(), config, devices));
        if (tokenIssuer != null) {
            s.add(new TokenResource(handlers, tokenIssuer, // the verifier is read per request: set below, reloadable
                    peer -> RestoredDtlsSessions.refusal(peer, settings, certificateVerifier)));
        }
        Endpoint p = null;
        Endpoint d = null;
        if (settings.port() >= 0) {
            RandomTokenGenerator tokens = new RandomTokenGenerator(config);
            p = CoapEndpoint.builder().setConfiguration(config).setTokenGenerator(tokens)
                    .setMessageExchangeStore(BoundedDeduplicator.exchangeStore("coap", config, tokens, dedupBound))
                    .setInetSocketAddress(new InetSocketAddress(settings.host(), settings.port()))
                    .setDataSerializerAndParser(new UdpDataSerializer(), parser)
                    .setCoapStackFactory(stack).setLoggingTag("coap").build();
            s.addEndpoint(p);
        }
        if (settings.dtlsPort() >= 0) {
            Configuration dtlsConfig = new Configuration(config);
            dtlsConfig.set(CoapConfig.RESPONSE_MATCHING, CoapConfig.MatcherMode.PRINCIPAL);
            DtlsConnectorConfig connectorConfig = dtlsConfig(settings, dtlsConfig);
            if (connectorConfig.getAdvancedCertificateVerifier() instanceof ReloadableCertificateVerifier v) {
                certificateVerifier = v;
            }
            if (connectorConfig.getCertificateIdentityProvider() instanceof ReloadableCertificateProvider provider) {
                serverIdentity = provider;
            }
            // Scandium's own pool would be as large (its thread count less the timer's), but this one's queue is
            // what DtlsHandshakeAdmission reads
            int threads = Math.max(1, dtlsConfig.get(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT) - 1);
            ThreadPoolExecutor workers = new ThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), new DaemonThreadFactory("DTLS-Worker-" + settings.dtlsPort() + "#",
                            NamedThreadFactory.SCANDIUM_THREAD_GROUP));
            DtlsHandshakeAdmission handshakes = new DtlsHandshakeAdmission(handlers::admission,
                    () -> workers.getQueue().size(), System::nanoTime).tracing(pskRefusals);
            DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(connectorConfig)
                    .setDatagramFilter(handshakes).setSessionListener(handshakes).build());
            connector.setExecutor(workers);
            connector.setAlertHandler(handshakes);
            dtlsWorkers = workers;
            dtlsConnector = connector;
            idleConnections = new IdleDtlsConnections(connector, this::bound, IdleDtlsConnections.IDLE);
            if (sessionsFile != null) {
                restoredSessions.set(sessionsFile.restore(connector)
                        - RestoredDtlsSessions.endThoseRefusedNow(connector, settings, certificateVerifier));
            }
            RandomTokenGenerator tokens = new RandomTokenGenerator(dtlsConfig);
            d = CoapEndpoint.builder().setConfiguration(dtlsConfig).setConnector(connector).setTokenGenerator(tokens)
                    .setMessageExchangeStore(BoundedDeduplicator.exchangeStore("coaps", dtlsConfig, tokens, dedupBound))
                    .setDataSerializerAndParser(new UdpDataSerializer(), parser)
                    .setCoapStackFactory(stack).setLoggingTag("coaps").build();
            d.addInterceptor(handlers.observations().addressTracker()); // notifications follow a CID peer (R16)
            s.addEndpoint(d);
        }
        for (Endpoint e : s.getEndpoints()) {
            e.addInterceptor(handlers.responseCounter());
            e.addInterceptor(new DiagnosticPayloadFilter());
        }
        if (commandsFile != null) {
            int parked = handlers.observations().restore(commandsFile.restore());
            LOG.info("CoAP command observers of the last run parked again: {}", parked);
        }
        try {
            s.start(); // starts the endpoints it can; one that cannot bind is only logged, unless all fail
        } catch (IllegalStateException e) {
            LOG.debug("no CoAP endpoint started", e);
        }
        List<String> unbound = new java.util.ArrayList<>();
        if (p != null && !p.isStarted()) {
            unbound.add("coap.port " + settings.port());
        }
        if (d != null && !d.isStarted()) {
            unbound.add("coap.dtlsPort " + settings.dtlsPort());
        }
        if (!unbound.isEmpty()) {
            s.destroy();
            if (dtlsWorkers != null) {
                dtlsWorkers.shutdownNow();
                dtlsWorkers = null;
            }
            throw new IOException("CoAP listener on " + settings.host() + " (" + String.join(", ", unbound)
                    + ") could not bind: the UDP port is in use or the address is not local");
        }
        server = s;
        plain = p;
        secure = d;
        handlers.start();
        if (idleConnections != null) {
            idleConnections.start(Duration.ofMinutes(10));
        }
        LOG.info("CoAP edge listening: coap={} coaps={} ({})", plain == null ? "off" : plain.getAddress(),
                secure == null ? "off" : secure.getAddress(), settings);
        if (plain != null && !plain.getAddress().getAddress().isLoopbackAddress()) { // tour R, R19
            LOG.warn("plain CoAP (development only) listens on {} (coap.host {}, coap.port {}): there a token is bound"
                    + " to a spoofable UDP source address and a key-bound one acts as a bearer token; set coap.port: -1"
                    + " (or coap.host to a loopback address) in production and let devices use DTLS on coap.dtlsPort",
                    plain.getAddress(), settings.host(), settings.port());
        }
    }

    /** Stops listening, cancels timers and router subscriptions. Idempotent. */
    public synchronized void stop() {
        List<CoapCommandsFile.Kept> kept = commandsFile != null && server != null
                ? handlers.observations().unsubscribeAndKeep() : null;
        handlers.stop();
        if (idleConnections != null) {
            idleConnections.close();
            idleClosedBefore += idleConnections.ended();
            idleConnections = null;
        }
        if (server != null) {
            if (sessionsFile != null && dtlsConnector != null) {
                server.stop(); // the connector's state stays until destroy(): saved in between
                sessionsFile.save(dtlsConnector);
            }
            dtlsConnector = null;
            server.destroy();
            if (kept != null) {
                commandsFile.save(kept);
            }
            server = null;
            plain = null;
            secure = null;
        }
        if (dtlsWorkers != null) { // the connector does not stop an executor it was given
            dtlsWorkers.shutdownNow();
            dtlsWorkers = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The bound plain CoAP port, or -1 if disabled or not started. */
    public synchronized int port() {
        return plain == null ? -1 : plain.getAddress().getPort();
    }

    /** The bound DTLS port, or -1 if disabled or not started. */
    public synchronized int dtlsPort() {
        return secure == null ? -1 : secure.getAddress().getPort();
    }

    /** Authorized sessions currently bound (approximate). */
    public long sessionCount() {
        return handlers.sessions().size();
    }

    /** Active Observe relations on {@code /d/{id}/down}. */
    public int observerCount() {
        return handlers.watchCount();
    }

    /** The largest UDP datagram (65,535 less the IPv4 and UDP headers). */
    private static final int MAX_UDP_DATAGRAM = 65_507;

    /** The Californium configuration the edge runs with (CoAP, UDP and DTLS modules). */
    static Configuration configuration(CoapSettings s) {
        Configuration c = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS,
                SystemConfig.DEFINITIONS);
        switch (s.deduplicator()) {
            case MARK_AND_SWEEP:
                c.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_MARK_AND_SWEEP);
                break;
            case CROP_ROTATION:
                c.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_CROP_ROTATION);
                break;
            case NONE:
                c.set(CoapConfig.DEDUPLICATOR, CoapConfig.NO_DEDUPLICATOR);
                break;
            default:
                c.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_PEERS_MARK_AND_SWEEP);
                c.set(CoapConfig.PEERS_MARK_AND_SWEEP_MESSAGES, s.dedupMessagesPerPeer());
        }
        // the deduplicators remember a request this long (Californium uses EXCHANGE_LIFETIME for that)
        c.set(CoapConfig.EXCHANGE_LIFETIME, (int) s.dedupLifetime().toMillis(), TimeUnit.MILLISECONDS);
        c.set(CoapConfig.MAX_ACTIVE_PEERS, s.connectionStoreSize());
        c.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, s.maxPayloadBytes()); // per path: BlockwiseAdmissionLayer
        // a request without Block1 may fill a datagram: Californium's default 2,048-byte buffer cut longer ones, and
        // they were dropped unanswered (tour R, R11); the per-path limits above then answer 4.13 where they apply
        c.set(UdpConfig.UDP_DATAGRAM_SIZE, MAX_UDP_DATAGRAM);
        c.set(CoapConfig.BLOCKWISE_STATUS_LIFETIME, (int) s.blockwiseLifetime().toMillis(), TimeUnit.MILLISECONDS);
        c.set(CoapConfig.MAX_SERVER_OBSERVES, Math.max(1000, Math.min(s.maxSessions(), 1_000_000)));
        if (s.receiveBufferSize() > 0) {
            c.set(UdpConfig.UDP_RECEIVE_BUFFER_SIZE, s.receiveBufferSize());
            c.set(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE, s.receiveBufferSize());
        }
        if (s.sendBufferSize() > 0) {
            c.set(UdpConfig.UDP_SEND_BUFFER_SIZE, s.sendBufferSize());
            c.set(DtlsConfig.DTLS_SEND_BUFFER_SIZE, s.sendBufferSize());
        }
        return c;
    }

    /** The DTLS listener's connector (tests); null without one. */
    DTLSConnector dtlsConnector() {
        return dtlsConnector;
    }

    /** One sweep of the DTLS connections silent for {@code idle} without a binding (tests). */
    java.util.concurrent.Future<Void> sweepIdleDtls(Duration idle) {
        return new IdleDtlsConnections(dtlsConnector, this::bound, idle).sweep();
    }

    private boolean bound(String peerKey) {
        return handlers.sessions().current(peerKey) != null;
    }

    /**
     * A principal's access ended on this node's say (deleted, moved to another tenant, a new owner): the Observe
     * relations it left parked, and the commands they hold, are dropped; its live relations end with its tokens.
     */
    public void accessEnded(String tenant, String principal) {
        handlers.observations().forgetParked(tenant, principal);
    }

    /** Scandium's check of device certificates (and raw public keys); null when neither is accepted. */
    private static NewAdvancedCertificateVerifier verifier(List<X509Certificate> anchors, boolean rawPublicKeys) {
        StaticNewAdvancedCertificateVerifier.Builder verifier = StaticNewAdvancedCertificateVerifier.builder();
        if (!anchors.isEmpty()) {
            verifier.setTrustedCertificates(anchors.toArray(new X509Certificate[0]));
        }
        if (rawPublicKeys) {
            // any key may complete the handshake; the token's cnf (jkt) binds it to a device
            verifier.setTrustAllRPKs();
        }
        return verifier.hasTrusts() ? verifier.build() : null;
    }

    /**
     * Puts new device trust anchors and CRLs in force for the next DTLS handshakes; established sessions are kept.
     *
     * @return the number of revoked serials now listed
     * @throws IllegalStateException when the DTLS listener takes no device certificates
     */
    public synchronized int reloadDeviceTrust(List<X509Certificate> anchors, List<X509CRL> crls) {
        if (certificateVerifier == null || settings.trustAnchors().isEmpty() || anchors.isEmpty()) {
            throw new IllegalStateException("the DTLS listener takes no device certificates (coap.trustStore)");
        }
        certificateVerifier.swap(verifier(anchors, settings.rawPublicKeys()), crls);
        return certificateVerifier.revokedEntries();
    }

    /**
     * Presents a new server key and certificate chain (leaf first) in the next DTLS handshakes; established
     * sessions are kept.
     *
     * @return the leaf certificate now served
     * @throws IllegalStateException    when the DTLS listener has no server certificate (PSK only)
     * @throws IllegalArgumentException when the key and chain are unusable (see {@link ReloadableCertificateProvider#swap})
     */
    public synchronized X509Certificate reloadServerIdentity(java.security.PrivateKey key, List<X509Certificate> chain) {
        if (serverIdentity == null) {
            throw new IllegalStateException("the DTLS listener has no server certificate (coap.keyStore)");
        }
        serverIdentity.swap(key, chain);
        return serverIdentity.serverCertificate();
    }

    /**
     * The DTLS cipher suites offered: AEAD with AES only (GCM, CCM and CoAP's mandatory CCM_8; RFC 7252 §9.1.3),
     * for PSK, ECDHE-PSK and ECDSA certificates; the CBC suites Scandium also implements are left out.
     */
    static final List<CipherSuite> AEAD_SUITES = Arrays.stream(CipherSuite.values())
            .filter(cs -> cs.getCipherType() == CipherSuite.CipherType.AEAD && cs.name().contains("_AES_")
                    && cs.isSupported())
            .toList();

    /** Scandium settings: server role, credentials from the settings, connection IDs, bounded connection store. */
    static DtlsConnectorConfig dtlsConfig(CoapSettings s, Configuration c) {
        c.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY);
        c.set(DtlsConfig.DTLS_MAX_CONNECTIONS, s.connectionStoreSize());
        // a device that handshakes again (a new source port, a reboot) leaves its older connection behind otherwise
        c.set(DtlsConfig.DTLS_READ_WRITE_LOCK_CONNECTION_STORE, true); // the only store that reads the next one
        c.set(DtlsConfig.DTLS_REMOVE_STALE_DOUBLE_PRINCIPALS, true);
        // Scandium picks among these what the credentials allow: no CBC suites (as on the MQTT TLS listener). Its
        // recommended-only default leaves CBC out too; the list keeps it so if that default is ever turned off
        c.set(DtlsConfig.DTLS_PRESELECTED_CIPHER_SUITES, AEAD_SUITES);
        if (s.connectionIdLength() > 0) {
            c.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, s.connectionIdLength());
        }
        c.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE,
                s.trustAnchors().isEmpty() && !s.rawPublicKeys() ? CertificateAuthenticationMode.NONE
                        : CertificateAuthenticationMode.NEEDED);
        DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(c)
                .setAddress(new InetSocketAddress(s.host(), s.dtlsPort()));
        if (s.pskMasterSecret() != null) {
            b.setAdvancedPskStore(new DerivedPskStore(s.pskMasterSecret()));
        }
        if (s.serverKey() != null) {
            List<CertificateType> types = new ArrayList<>();
            types.add(CertificateType.X_509);
            if (s.rawPublicKeys()) {
                types.add(CertificateType.RAW_PUBLIC_KEY);
            }
            b.setCertificateIdentityProvider(new ReloadableCertificateProvider(s.serverKey(), s.serverChain(), types));
            NewAdvancedCertificateVerifier verifier = verifier(s.trustAnchors(), s.rawPublicKeys());
            if (verifier != null) {
                ReloadableCertificateVerifier trust = new ReloadableCertificateVerifier(verifier, s.revocationLists());
                // a resumption checks no certificate: this one re-checks the session's against the trust now (AF1)
                b.setAdvancedCertificateVerifier(trust).setResumptionVerifier(new TrustCheckingResumptionVerifier(trust));
            }
        }
        return b.build();
    }
}
