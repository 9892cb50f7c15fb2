package io.edgeauth.broker.coap;

import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the CoAP edge. Immutable; build with {@link #defaults()} and the {@code with*} copies.
 *
 * @param host                 address both listeners bind to
 * @param port                 plain CoAP (UDP) port, development only; 0 = ephemeral, -1 = disabled
 * @param dtlsPort             DTLS 1.2 port; 0 = ephemeral, -1 = disabled
 * @param pskMasterSecret      fleet master secret; a device's PSK is HKDF-SHA256(master, info = device id)
 *                             (see {@link DerivedPskStore}); null = no PSK cipher suites
 * @param trustAnchors         CA certificates that client certificates must chain to; empty = no X.509 clients
 * @param serverKey            the server's private key (X.509 and RPK handshakes); null = PSK only
 * @param serverChain          the server's certificate chain, leaf first (needed with {@code serverKey})
 * @param rawPublicKeys        accept RFC 7250 raw public keys from clients (and offer ours)
 * @param connectionIdLength   DTLS 1.2 connection ID length in bytes (RFC 9146); 0 = connection IDs off
 * @param deduplicator         how retransmitted CON requests are detected (see {@link Deduplicator})
 * @param dedupMessagesPerPeer PEERS_MARK_AND_SWEEP: remembered exchanges per peer (Californium's minimum is 4)
 * @param dedupLifetime        how long a received request is remembered for duplicate detection (Californium's
 *                             EXCHANGE_LIFETIME; see {@link #DEFAULT_DEDUP_LIFETIME} for the trade-off)
 * @param receiveBufferSize    socket receive buffer (SO_RCVBUF) in bytes; 0 = OS default
 * @param sendBufferSize       socket send buffer (SO_SNDBUF) in bytes; 0 = OS default
 * @param connectionStoreSize  maximum DTLS connections (and CoAP peers) kept
 * @param maxSessions          maximum authorized token sessions kept (bounded store; least-used evicted)
 * @param maxPayloadBytes      largest request body, also across block-wise transfer (Block1)
 * @param maxTokenBytes        largest token accepted at {@code /authz-info}; checked before any parsing
 * @param sweepInterval        how often Observe relations are checked for expired sessions
 * @param revocationLists      CRLs of the trust anchors' CAs: a device certificate they list is refused in the
 *                             handshake (alert certificate_revoked); empty = none
 */
public record CoapSettings(
        String host,
        int port,
        int dtlsPort,
        byte[] pskMasterSecret,
        List<X509Certificate> trustAnchors,
        PrivateKey serverKey,
        List<X509Certificate> serverChain,
        boolean rawPublicKeys,
        int connectionIdLength,
        Deduplicator deduplicator,
        int dedupMessagesPerPeer,
        Duration dedupLifetime,
        int receiveBufferSize,
        int sendBufferSize,
        int connectionStoreSize,
        int maxSessions,
        int maxPayloadBytes,
        int maxTokenBytes,
        Duration sweepInterval,
        List<X509CRL> revocationLists) {

    /**
     * Duplicate detection of CON/NON requests (RFC 7252 §4.5).
     * <ul>
     * <li>{@code PEERS_MARK_AND_SWEEP} (default): at most {@code dedupMessagesPerPeer} (default 4) exchanges
     * per peer, so memory is bounded by peers, not by request rate. The time-based {@code MARK_AND_SWEEP} keeps
     * every exchange for the whole window (CoAP's EXCHANGE_LIFETIME 247 s) at roughly 3 KB each: 50k req/s would
     * hold ~12 million exchanges, about 40 GB of heap. A device with one outstanding CON (NSTART = 1,
     * RFC 7252 §4.7) only ever retransmits its latest request, so a few remembered exchanges per peer catch every
     * retransmission. Entries also leave after {@code dedupLifetime}.</li>
     * <li>{@code MARK_AND_SWEEP}: Californium's default, exact for {@code dedupLifetime}, rate-proportional
     * memory.</li>
     * <li>{@code CROP_ROTATION}: two generations, time bounded, cheaper sweep, still rate-proportional.</li>
     * <li>{@code NONE}: no detection; a retransmitted CON is delivered twice. Tests only.</li>
     * </ul>
     */
    public enum Deduplicator { PEERS_MARK_AND_SWEEP, MARK_AND_SWEEP, CROP_ROTATION, NONE }

    /**
     * Default duplicate-detection window: 60 s instead of CoAP's EXCHANGE_LIFETIME of 247 s (RFC 7252 §4.8.2).
     *
     * <p>Why it is safe: with the default transmission parameters (ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5,
     * MAX_RETRANSMIT 4) a client sends its last retransmission of a CON at most MAX_TRANSMIT_SPAN = 45 s after
     * the first copy, so a window of 60 s catches every retransmission whose delivery is delayed by up to 15 s
     * more than the first copy's. The 247 s also covers 2 x MAX_LATENCY (100 s, the theoretical worst-case
     * Internet datagram lifetime) and PROCESSING_DELAY; a retransmission arriving later than the window (or a
     * NON repeated after it) is processed again, i.e. a telemetry message may be delivered twice.
     *
     * <p>Why shorter: a remembered exchange costs ~3 KB of heap (request, response, DTLS endpoint contexts),
     * and Californium sweeps them only by age (MARK_AND_SWEEP_INTERVAL 10 s) or by the per-peer cap. A device
     * that posts every P seconds keeps up to min(dedupMessagesPerPeer, ceil((window + 10 s) / P)) exchanges: at
     * P = 35 s that is 2 instead of 4 (measured: ~10 KB instead of ~16 KB per device), the difference between a
     * million posting devices fitting a 12 GiB heap or not.
     */
    public static final Duration DEFAULT_DEDUP_LIFETIME = Duration.ofSeconds(60);
    /** MAX_TRANSMIT_SPAN with the default transmission parameters: a shorter window misses retransmissions. */
    public static final Duration MIN_DEDUP_LIFETIME = Duration.ofSeconds(45);
    /** An hour; CoAP's own EXCHANGE_LIFETIME is 247 s. */
    public static final Duration MAX_DEDUP_LIFETIME = Duration.ofHours(1);

    public CoapSettings {
        Objects.requireNonNull(host, "host");
        pskMasterSecret = pskMasterSecret == null ? null : pskMasterSecret.clone();
        trustAnchors = trustAnchors == null ? List.of() : List.copyOf(trustAnchors);
        serverChain = serverChain == null ? List.of() : List.copyOf(serverChain);
        revocationLists = revocationLists == null ? List.of() : List.copyOf(revocationLists);
        deduplicator = deduplicator == null ? Deduplicator.PEERS_MARK_AND_SWEEP : deduplicator;
        sweepInterval = sweepInterval == null ? Duration.ofMillis(500) : sweepInterval;
        dedupLifetime = dedupLifetime == null ? DEFAULT_DEDUP_LIFETIME : dedupLifetime;
        if (dedupLifetime.compareTo(MIN_DEDUP_LIFETIME) < 0 || dedupLifetime.compareTo(MAX_DEDUP_LIFETIME) > 0) {
            throw new IllegalArgumentException("dedupLifetime must be " + MIN_DEDUP_LIFETIME.toSeconds() + ".."
                    + MAX_DEDUP_LIFETIME.toSeconds() + " s (a CON is retransmitted for up to 45 s)");
        }
        if (port < -1 || port > 65535 || dtlsPort < -1 || dtlsPort > 65535) {
            throw new IllegalArgumentException("coap ports must be -1 (off), 0 (ephemeral) or 1..65535");
        }
        if (connectionIdLength < 0 || connectionIdLength > 32) {
            throw new IllegalArgumentException("connectionIdLength must be 0..32");
        }
        if (pskMasterSecret != null && pskMasterSecret.length < 16) {
            throw new IllegalArgumentException("pskMasterSecret must have at least 16 bytes");
        }
        if (serverKey != null && serverChain.isEmpty()) {
            throw new IllegalArgumentException("serverKey needs a serverChain (leaf first)");
        }
        if (!trustAnchors.isEmpty() && serverKey == null) {
            throw new IllegalArgumentException("X.509 client authentication needs a server key and certificate");
        }
        if (!revocationLists.isEmpty() && trustAnchors.isEmpty()) {
            throw new IllegalArgumentException("revocation lists need the trust anchors of their CAs");
        }
        if (dtlsPort >= 0 && pskMasterSecret == null && serverKey == null) {
            throw new IllegalArgumentException("DTLS needs a PSK master secret or a server key");
        }
        if (maxPayloadBytes < 64 || maxTokenBytes < 64 || maxTokenBytes > maxPayloadBytes) {
            throw new IllegalArgumentException("maxTokenBytes must be 64..maxPayloadBytes");
        }
        if (maxSessions < 1 || connectionStoreSize < 1 || dedupMessagesPerPeer < 1) {
            throw new IllegalArgumentException("maxSessions, connectionStoreSize, dedupMessagesPerPeer must be > 0");
        }
        if (receiveBufferSize < 0 || sendBufferSize < 0) {
            throw new IllegalArgumentException("buffer sizes must be >= 0");
        }
    }

    /** Development defaults: loopback, ephemeral plain port, DTLS off until credentials are set. */
    public static CoapSettings defaults() {
        return new CoapSettings("127.0.0.1", 0, -1, null, List.of(), null, List.of(), false, 6,
                Deduplicator.PEERS_MARK_AND_SWEEP, 4, DEFAULT_DEDUP_LIFETIME, 0, 0, 150_000, 1_000_000, 64 * 1024, 4096,
                Duration.ofMillis(500), List.of());
    }

    @Override
    public byte[] pskMasterSecret() {
        return pskMasterSecret == null ? null : pskMasterSecret.clone();
    }

    public CoapSettings withPorts(String newHost, int newPort, int newDtlsPort) {
        return new CoapSettings(newHost, newPort, newDtlsPort, pskMasterSecret, trustAnchors, serverKey, serverChain,
                rawPublicKeys, connectionIdLength, deduplicator, dedupMessagesPerPeer, dedupLifetime, receiveBufferSize,
                sendBufferSize, connectionStoreSize, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval, revocationLists);
    }

    public CoapSettings withPsk(byte[] masterSecret) {
        return new CoapSettings(host, port, dtlsPort, masterSecret, trustAnchors, serverKey, serverChain,
                rawPublicKeys, connectionIdLength, deduplicator, dedupMessagesPerPeer, dedupLifetime, receiveBufferSize,
                sendBufferSize, connectionStoreSize, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval, revocationLists);
    }

    /** Server identity and client trust for certificate handshakes. */
    public CoapSettings withCertificates(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> anchors,
                                         boolean rpk) {
        return new CoapSettings(host, port, dtlsPort, pskMasterSecret, anchors, key, chain, rpk, connectionIdLength,
                deduplicator, dedupMessagesPerPeer, dedupLifetime, receiveBufferSize, sendBufferSize,
                connectionStoreSize, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval, revocationLists);
    }

    /** Device certificates these CRLs list are refused in the DTLS handshake. */
    public CoapSettings withRevocationLists(List<X509CRL> crls) {
        return new CoapSettings(host, port, dtlsPort, pskMasterSecret, trustAnchors, serverKey, serverChain,
                rawPublicKeys, connectionIdLength, deduplicator, dedupMessagesPerPeer, dedupLifetime, receiveBufferSize,
                sendBufferSize, connectionStoreSize, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval, crls);
    }

    public CoapSettings withDeduplicator(Deduplicator mode, int perPeer) {
        return new CoapSettings(host, port, dtlsPort, pskMasterSecret, trustAnchors, serverKey, serverChain,
                rawPublicKeys, connectionIdLength, mode, perPeer, dedupLifetime, receiveBufferSize, sendBufferSize,
                connectionStoreSize, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval, revocationLists);
    }

    /** The duplicate-detection window ({@link #DEFAULT_DEDUP_LIFETIME}); at least {@link #MIN_DEDUP_LIFETIME}. */
    public CoapSettings withDedupLifetime(Duration lifetime) {
        return new CoapSettings(host, port, dtlsPort, pskMasterSecret, trustAnchors, serverKey, serverChain,
                rawPublicKeys, connectionIdLength, deduplicator, dedupMessagesPerPeer, lifetime, receiveBufferSize,
                sendBufferSize, connectionStoreSize, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval, revocationLists);
    }

    public CoapSettings withLimits(int newMaxSessions, int newMaxPayload, int newMaxToken) {
        return new CoapSettings(host, port, dtlsPort, pskMasterSecret, trustAnchors, serverKey, serverChain,
                rawPublicKeys, connectionIdLength, deduplicator, dedupMessagesPerPeer, dedupLifetime, receiveBufferSize,
                sendBufferSize, connectionStoreSize, newMaxSessions, newMaxPayload, newMaxToken, sweepInterval, revocationLists);
    }

    public CoapSettings withSockets(int rcvBuf, int sndBuf, int connections, int cidLength) {
        return new CoapSettings(host, port, dtlsPort, pskMasterSecret, trustAnchors, serverKey, serverChain,
                rawPublicKeys, cidLength, deduplicator, dedupMessagesPerPeer, dedupLifetime, rcvBuf, sndBuf,
                connections, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval, revocationLists);
    }

    @Override
    public String toString() { // never print the master secret or the private key
        return "CoapSettings{host=" + host + ", port=" + port + ", dtlsPort=" + dtlsPort
                + ", psk=" + (pskMasterSecret != null) + ", trustAnchors=" + trustAnchors.size() + ", crls=" + revocationLists.size()
                + ", serverKey=" + (serverKey != null) + ", rpk=" + rawPublicKeys + ", cid=" + connectionIdLength
                + ", dedup=" + deduplicator + "/" + dedupMessagesPerPeer + "/" + dedupLifetime.toSeconds() + "s"
                + ", rcvBuf=" + receiveBufferSize
                + ", sndBuf=" + sendBufferSize + ", connections=" + connectionStoreSize + ", sessions=" + maxSessions
                + ", maxPayload=" + maxPayloadBytes + ", maxToken=" + maxTokenBytes + "}";
    }
}
