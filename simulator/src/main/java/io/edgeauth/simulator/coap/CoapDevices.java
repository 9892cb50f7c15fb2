package io.edgeauth.simulator.coap;

import io.edgeauth.device.CoapGateway;
import io.edgeauth.device.DtlsEcProvider;
import io.edgeauth.device.internal.SessionRenewal;
import io.edgeauth.simulator.fleet.FleetCa;
import io.edgeauth.simulator.fleet.SignatureProviders;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.Connector;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.SignatureAndHashAlgorithm;
import org.eclipse.californium.scandium.dtls.SignatureAndHashAlgorithm.HashAlgorithm;
import org.eclipse.californium.scandium.dtls.SignatureAndHashAlgorithm.SignatureAlgorithm;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * Opens {@link CoapLink}s for the fleet's CoAP devices, every one on the same few threads: one shared
 * scheduled pool (the device SDK's {@link CoapGateway}) serves as each endpoint's CoAP executors and as each DTLS
 * connector's executor and timer (Scandium then starts no worker or timer thread of its own), and one
 * {@link DatagramLoop} thread reads every session's socket ({@link LoopDtlsConnector}, and {@link LoopUdpConnector}
 * for plain CoAP: no receiver or sender thread per socket). What remains per <em>active</em> session is its socket
 * and its Scandium/Californium objects; an idle device costs nothing. Sockets come from
 * {@link LocalPorts}, so across a run each session is a distinct peer to the broker. Thread-safe; close it after
 * the last session.
 */
public final class CoapDevices implements AutoCloseable {
    /** Binds tried before a session gives up (an address:port may be taken by another process). */
    private static final int BIND_ATTEMPTS = 20;

    /**
     * The signature algorithms a device offers (TLS 1.2 {@code signature_algorithms}). The broker may only present a
     * certificate chain signed with one of them (RFC 5246 7.4.2), and Scandium's default offer is SHA-256 only
     * (ECDSA, RSA): a broker certificate signed with SHA384withECDSA (the JDK 25 keytool's choice even for a P-256
     * key) failed every X.509 handshake with {@code handshake_failure}. So every recommended one this JVM supports,
     * SHA-256 ECDSA first (what the devices' own P-256 keys sign with).
     */
    static final List<SignatureAndHashAlgorithm> SERVER_CHAIN_ALGORITHMS = serverChainAlgorithms();

    private final CoapOptions options;
    private final LocalPorts ports;
    private final Configuration config;
    /** The SDK's shared CoAP threads (a gateway's), here for the whole fleet. */
    private final CoapGateway gateway;
    private final ScheduledThreadPoolExecutor executor;
    /** Reads every session's socket. */
    private final DatagramLoop loop;
    private final FleetCa ca;

    static {
        CoapConfig.register();
        UdpConfig.register();
        DtlsConfig.register();
    }

    /**
     * @param threads threads of the shared pool (CoAP exchanges, DTLS records and handshakes, timers)
     */
    public CoapDevices(CoapOptions options, List<java.net.InetAddress> localAddrs, int threads) {
        this(options, localAddrs, threads, null);
    }

    /** @param ca the fleet CA that signs the devices' certificates ({@link CoapOptions#x509()}), else null */
    public CoapDevices(CoapOptions options, List<java.net.InetAddress> localAddrs, int threads, FleetCa ca) {
        if (options.x509() && ca == null) {
            throw new IllegalArgumentException("X.509 devices need the fleet CA");
        }
        this.ca = ca;
        this.options = options;
        if (options.dtls() && SignatureProviders.isNative()) {
            // the devices' side of ECDHE and ECDSA in native code too: on the JDK's P-256 each costs milliseconds
            DtlsEcProvider.install(SignatureProviders.signing());
        }
        this.ports = new LocalPorts(localAddrs);
        this.config = clientConfiguration(options);
        if (options.dtls() && options.renewAfterUnanswered() > config.get(CoapConfig.MAX_RETRANSMIT)) {
            throw new IllegalArgumentException("--coap-renew-after must be at most the CoAP MAX_RETRANSMIT ("
                    + config.get(CoapConfig.MAX_RETRANSMIT) + ")");
        }
        this.gateway = CoapGateway.create(threads);
        this.executor = gateway.executor();
        this.loop = new DatagramLoop("sim-coap-udp");
    }

    /**
     * A small client: no receiver or sender thread (the loop reads the sockets, DTLS and plain), one DTLS
     * connection, no deduplication of responses; for plain PSK only the plain PSK cipher suites are offered; a device
     * with a key offers {@link #SERVER_CHAIN_ALGORITHMS}.
     */
    static Configuration clientConfiguration(CoapOptions options) {
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(CoapConfig.DEDUPLICATOR, CoapConfig.NO_DEDUPLICATOR);
        c.set(CoapConfig.MAX_ACTIVE_PEERS, 4);
        c.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 0); // plain CoAP: the loop reads, callers send (LoopUdpConnector)
        c.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 0);
        c.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
        c.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 0);
        c.set(DtlsConfig.DTLS_MAX_CONNECTIONS, 4);
        c.set(DtlsConfig.DTLS_USE_SERVER_NAME_INDICATION, false);
        // as the device SDK (CoapGateway.standard): a herd's DTLS retransmissions spread instead of coming back together
        c.set(DtlsConfig.DTLS_RETRANSMISSION_INIT_RANDOM, 1.5F);
        // the broker's certificate is trusted as any (see open): its subject is not matched to the address either
        c.set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false);
        if (options.publicKey()) {
            c.set(DtlsConfig.DTLS_SIGNATURE_AND_HASH_ALGORITHMS, SERVER_CHAIN_ALGORITHMS); // PSK suites refuse a list
        } else if (options.dtls() && !options.ecdhe()) {
            c.setAsList(DtlsConfig.DTLS_CIPHER_SUITES, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_PSK_WITH_AES_128_CCM);
        }
        return c;
    }

    private static List<SignatureAndHashAlgorithm> serverChainAlgorithms() {
        List<SignatureAndHashAlgorithm> offer = new ArrayList<>();
        for (SignatureAlgorithm signature : List.of(SignatureAlgorithm.ECDSA, SignatureAlgorithm.RSA)) {
            for (HashAlgorithm hash : List.of(HashAlgorithm.SHA256, HashAlgorithm.SHA384, HashAlgorithm.SHA512)) {
                offer.add(new SignatureAndHashAlgorithm(hash, signature));
            }
        }
        offer.add(SignatureAndHashAlgorithm.INTRINSIC_WITH_ED25519);
        offer.add(SignatureAndHashAlgorithm.INTRINSIC_WITH_ED448);
        return offer.stream().filter(a -> a.isSupported() && a.isRecommended()).toList();
    }

    /**
     * Opens a session for {@code deviceId} (DTLS: with its {@code psk}; plain CoAP: psk unused) on a fresh local
     * socket. No packet is sent yet: the DTLS handshake runs with the first request.
     */
    public CoapLink open(String deviceId, byte[] psk) {
        return open(deviceId, psk, null);
    }

    /**
     * As above; with {@link CoapOptions#rpk()} the handshake authenticates with {@code rpk} (the device's key pair)
     * as an RFC 7250 raw public key, and any raw public key of the broker is accepted (the token binds the session);
     * with {@link CoapOptions#x509()} with a certificate over that key signed by the fleet CA.
     */
    public CoapLink open(String deviceId, byte[] psk, KeyPair rpk) {
        IOException last = null;
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            InetSocketAddress local = ports.next();
            DTLSConnector dtls = null;
            Connector connector;
            if (options.dtls()) {
                DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(config).setAddress(local).setLoggingTag(deviceId);
                if (options.rpk()) {
                    b.setCertificateIdentityProvider(new SingleCertificateProvider(rpk.getPrivate(), rpk.getPublic()))
                            .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustAllRPKs().build());
                } else if (options.x509()) {
                    // the device's chain: its certificate (over its own key, made now) and the fleet CA's; the broker's
                    // certificate is not checked (the simulator tests the broker's client authentication, not its own)
                    X509Certificate[] chain = {ca.deviceCertificate(deviceId, rpk.getPublic()), ca.certificate()};
                    b.setCertificateIdentityProvider(new SingleCertificateProvider(rpk.getPrivate(), chain, CertificateType.X_509))
                            .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustAllCertificates().build());
                } else {
                    b.setAdvancedPskStore(new AdvancedSinglePskStore(deviceId, psk));
                }
                dtls = new LoopDtlsConnector(b.build(), loop);
                dtls.setExecutor(executor);
                connector = dtls;
            } else {
                connector = new LoopUdpConnector(local, config, loop);
            }
            CoapEndpoint.Builder eb = CoapEndpoint.builder().setConfiguration(config).setConnector(connector)
                    .setLoggingTag(deviceId);
            if (dtls != null) {
                SessionRenewal.matchByPrincipal(eb); // a request may go on over a renewed session, as on the SDK
            }
            CoapEndpoint endpoint = eb.build();
            endpoint.setExecutors(executor, executor);
            try {
                endpoint.start();
                return new CoapLink(endpoint, dtls, SessionRenewal.of(dtls, config, options.renewAfterUnanswered(), deviceId),
                        options.address(), options.base(), executor);
            } catch (IOException e) {
                endpoint.destroy();
                last = e;
                if (!(e instanceof BindException) && !(e.getCause() instanceof BindException)) {
                    break;
                }
            }
        }
        throw new CoapTransportException("bind", last);
    }

    public CoapOptions options() {
        return options;
    }

    /** Distinct peer addresses available before one repeats (0: ephemeral ports). */
    public long distinctPeers() {
        return ports.distinct();
    }

    @Override
    public void close() {
        executor.shutdown(); // the last sessions' delayed endpoint destroys (after close_notify) still run
        try {
            executor.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gateway.close();
        loop.close();
    }
}
