package io.edgeauth.broker.coap;

import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the CoAP edge. Immutable; build with {@link #builder()} (or {@link #defaults()} and the
 * {@code with*} copies).
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
 * @param maxPeersPerPrincipal peers (source endpoints: DTLS sessions, UDP addresses) one principal's tokens may
 *                             be bound to at once; a token bound from one more ends the principal's oldest
 *                             binding, so no principal fills {@code maxSessions} with its own
 * @param maxObservationsPerPrincipal Observe relations one principal may hold at once; one more is refused
 *                             with 4.29
 * @param commandRetention     how long an Observe relation that ended (cancelled, re-registered, a notification
 *                             not acknowledged) keeps its command subscription and waiting commands for the
 *                             device's next registration; zero = not at all
 * @param notificationMaxAge   Max-Age of an Observe registration's answer and of every notification: a device's
 *                             Observe client registers again when it passes without a notification
 * @param revocationLists      CRLs of the trust anchors' CAs: a device certificate they list is refused in the
 *                             handshake (alert certificate_revoked); empty = none
 * @param maxBlockTransfers    Block1 uploads (RFC 7959) being received at once, all peers together; each holds a
 *                             buffer of up to its path's body limit, so this times {@code maxPayloadBytes} bounds
 *                             their memory; one more is refused with 5.03 and Max-Age
 * @param maxBlockTransfersPerPeer Block1 uploads one peer (DTLS identity, or IP address on plain UDP) may have
 *                             in progress at once; one more is refused with 5.03 and Max-Age
 * @param blockwiseLifetime    how long a Block1 or Block2 transfer waits for its next block before it is dropped
 *                             (Californium's BLOCKWISE_STATUS_LIFETIME)
 * @param maxDedupExchanges    received requests remembered for duplicate detection, all peers together (each ~3 KB
 *                             for {@code dedupLifetime}); a request beyond is processed but not remembered, so its
 *                             retransmission is processed again; shared by the listeners; 0 = half the heap's worth
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
        int maxPeersPerPrincipal,
        int maxObservationsPerPrincipal,
        Duration commandRetention,
        Duration notificationMaxAge,
        List<X509CRL> revocationLists,
        int maxBlockTransfers,
        int maxBlockTransfersPerPeer,
        Duration blockwiseLifetime,
        int maxDedupExchanges) {

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

    /** Default of {@code coap.maxPeersPerPrincipal}: a device has one, a few more ride out NAT rebinding. */
    public static final int DEFAULT_MAX_PEERS_PER_PRINCIPAL = 8;
    /** Default of {@code coap.maxObservationsPerPrincipal}: a device observes its own commands from each peer. */
    public static final int DEFAULT_MAX_OBSERVATIONS_PER_PRINCIPAL = 16;
    /**
     * Default of {@code coap.commandRetention}: past a re-registration (a device's Observe client registers again
     * when a notification's Max-Age, 60 s by default, passes without one) and the 93 s a CON notification is
     * retransmitted. A shorter retention than {@code notificationMaxAge} (other than zero) is refused: a device
     * that missed a notification registers again only when Max-Age has passed.
     */
    public static final Duration DEFAULT_COMMAND_RETENTION = Duration.ofMinutes(5);
    /** The longest {@code coap.commandRetention}: a day. */
    public static final Duration MAX_COMMAND_RETENTION = Duration.ofDays(1);
    /** Default of {@code coap.notificationMaxAge}: CoAP's own default Max-Age (RFC 7252 §5.10.5). */
    public static final Duration DEFAULT_NOTIFICATION_MAX_AGE = Duration.ofSeconds(60);
    /** The longest {@code coap.notificationMaxAge}: a day. */
    public static final Duration MAX_NOTIFICATION_MAX_AGE = Duration.ofDays(1);

    /** Default of {@code coap.maxBlockTransfers}: 256 x the 64 KiB body limit is 16 MiB at most. */
    public static final int DEFAULT_MAX_BLOCK_TRANSFERS = 256;
    /** Default of {@code coap.maxBlockTransfersPerPeer}: a device uploads one large body at a time, a few ride out restarts. */
    public static final int DEFAULT_MAX_BLOCK_TRANSFERS_PER_PEER = 4;
    /**
     * Default of {@code coap.blockwiseLifetime} (Californium's is 5 min): past MAX_TRANSMIT_SPAN (45 s), the longest a
     * device retransmits one block, so a transfer survives a lost block, while an abandoned one frees its slot soon.
     */
    public static final Duration DEFAULT_BLOCKWISE_LIFETIME = Duration.ofSeconds(60);
    /** Bounds of {@code coap.blockwiseLifetime}. */
    public static final Duration MIN_BLOCKWISE_LIFETIME = Duration.ofSeconds(5);
    public static final Duration MAX_BLOCKWISE_LIFETIME = Duration.ofMinutes(5);

    public CoapSettings {
        Objects.requireNonNull(host, "host");
        blockwiseLifetime = blockwiseLifetime == null ? DEFAULT_BLOCKWISE_LIFETIME : blockwiseLifetime;
        if (blockwiseLifetime.compareTo(MIN_BLOCKWISE_LIFETIME) < 0
                || blockwiseLifetime.compareTo(MAX_BLOCKWISE_LIFETIME) > 0) {
            throw new IllegalArgumentException("blockwiseLifetime must be " + MIN_BLOCKWISE_LIFETIME.toSeconds() + ".."
                    + MAX_BLOCKWISE_LIFETIME.toSeconds() + " s");
        }
        if (maxDedupExchanges < 0) {
            throw new IllegalArgumentException("maxDedupExchanges must be >= 0 (0: from the heap)");
        }
        if (maxBlockTransfers < 1 || maxBlockTransfers > 100_000 || maxBlockTransfersPerPeer < 1
                || maxBlockTransfersPerPeer > maxBlockTransfers) {
            throw new IllegalArgumentException("maxBlockTransfers must be 1..100000 and maxBlockTransfersPerPeer"
                    + " 1..maxBlockTransfers");
        }
        pskMasterSecret = pskMasterSecret == null ? null : pskMasterSecret.clone();
        trustAnchors = trustAnchors == null ? List.of() : List.copyOf(trustAnchors);
        serverChain = serverChain == null ? List.of() : List.copyOf(serverChain);
        revocationLists = revocationLists == null ? List.of() : List.copyOf(revocationLists);
        if (!revocationLists.isEmpty() && trustAnchors.isEmpty()) {
            throw new IllegalArgumentException("revocation lists need the trust anchors of their CAs");
        }
        deduplicator = deduplicator == null ? Deduplicator.PEERS_MARK_AND_SWEEP : deduplicator;
        sweepInterval = sweepInterval == null ? Duration.ofMillis(500) : sweepInterval;
        dedupLifetime = dedupLifetime == null ? DEFAULT_DEDUP_LIFETIME : dedupLifetime;
        commandRetention = commandRetention == null ? DEFAULT_COMMAND_RETENTION : commandRetention;
        if (commandRetention.isNegative() || commandRetention.compareTo(MAX_COMMAND_RETENTION) > 0) {
            throw new IllegalArgumentException("commandRetention must be 0.." + MAX_COMMAND_RETENTION.toHours() + " h");
        }
        notificationMaxAge = notificationMaxAge == null ? DEFAULT_NOTIFICATION_MAX_AGE : notificationMaxAge;
        if (notificationMaxAge.toSeconds() < 1 || notificationMaxAge.compareTo(MAX_NOTIFICATION_MAX_AGE) > 0) {
            throw new IllegalArgumentException("notificationMaxAge must be 1 s.." + MAX_NOTIFICATION_MAX_AGE.toHours()
                    + " h");
        }
        if (!commandRetention.isZero() && commandRetention.compareTo(notificationMaxAge) < 0) {
            throw new IllegalArgumentException("commandRetention must be 0 or at least notificationMaxAge (a device"
                    + " registers again only when Max-Age passes)");
        }
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
        if (dtlsPort >= 0 && pskMasterSecret == null && serverKey == null) {
            throw new IllegalArgumentException("DTLS needs a PSK master secret or a server key");
        }
        if (maxPayloadBytes < 64 || maxTokenBytes < 64 || maxTokenBytes > maxPayloadBytes) {
            throw new IllegalArgumentException("maxTokenBytes must be 64..maxPayloadBytes");
        }
        if (maxSessions < 1 || connectionStoreSize < 1 || dedupMessagesPerPeer < 1) {
            throw new IllegalArgumentException("maxSessions, connectionStoreSize, dedupMessagesPerPeer must be > 0");
        }
        if (maxPeersPerPrincipal < 1 || maxObservationsPerPrincipal < 1) {
            throw new IllegalArgumentException("maxPeersPerPrincipal and maxObservationsPerPrincipal must be > 0");
        }
        if (receiveBufferSize < 0 || sendBufferSize < 0) {
            throw new IllegalArgumentException("buffer sizes must be >= 0");
        }
    }

    /** Development defaults: loopback, ephemeral plain port, DTLS off until credentials are set. */
    public static CoapSettings defaults() {
        return builder().build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).dtlsPort(dtlsPort).pskMasterSecret(pskMasterSecret)
                .trustAnchors(trustAnchors).serverKey(serverKey).serverChain(serverChain)
                .rawPublicKeys(rawPublicKeys).connectionIdLength(connectionIdLength).deduplicator(deduplicator)
                .dedupMessagesPerPeer(dedupMessagesPerPeer).dedupLifetime(dedupLifetime)
                .receiveBufferSize(receiveBufferSize).sendBufferSize(sendBufferSize)
                .connectionStoreSize(connectionStoreSize).maxSessions(maxSessions).maxPayloadBytes(maxPayloadBytes)
                .maxTokenBytes(maxTokenBytes).sweepInterval(sweepInterval)
                .maxPeersPerPrincipal(maxPeersPerPrincipal).maxObservationsPerPrincipal(maxObservationsPerPrincipal)
                .commandRetention(commandRetention).notificationMaxAge(notificationMaxAge).revocationLists(revocationLists)
                .maxBlockTransfers(maxBlockTransfers).maxBlockTransfersPerPeer(maxBlockTransfersPerPeer)
                .blockwiseLifetime(blockwiseLifetime).maxDedupExchanges(maxDedupExchanges);
    }

    /** Device certificates these CRLs list are refused in the DTLS handshake. */
    public CoapSettings withRevocationLists(List<X509CRL> crls) {
        return toBuilder().revocationLists(crls).build();
    }

    @Override
    public byte[] pskMasterSecret() {
        return pskMasterSecret == null ? null : pskMasterSecret.clone();
    }

    public CoapSettings withPorts(String newHost, int newPort, int newDtlsPort) {
        return toBuilder().host(newHost).port(newPort).dtlsPort(newDtlsPort).build();
    }

    public CoapSettings withPsk(byte[] masterSecret) {
        return toBuilder().pskMasterSecret(masterSecret).build();
    }

    /** Server identity and client trust for certificate handshakes. */
    public CoapSettings withCertificates(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> anchors,
                                         boolean rpk) {
        return toBuilder().serverKey(key).serverChain(chain).trustAnchors(anchors).rawPublicKeys(rpk).build();
    }

    public CoapSettings withDeduplicator(Deduplicator mode, int perPeer) {
        return toBuilder().deduplicator(mode).dedupMessagesPerPeer(perPeer).build();
    }

    /** The duplicate-detection window ({@link #DEFAULT_DEDUP_LIFETIME}); at least {@link #MIN_DEDUP_LIFETIME}. */
    public CoapSettings withDedupLifetime(Duration lifetime) {
        return toBuilder().dedupLifetime(lifetime).build();
    }

    public CoapSettings withLimits(int newMaxSessions, int newMaxPayload, int newMaxToken) {
        return toBuilder().maxSessions(newMaxSessions).maxPayloadBytes(newMaxPayload).maxTokenBytes(newMaxToken)
                .build();
    }

    /** The per-principal caps: bound peers and Observe relations (see the record's parameters). */
    public CoapSettings withPrincipalLimits(int peers, int observations) {
        return toBuilder().maxPeersPerPrincipal(peers).maxObservationsPerPrincipal(observations).build();
    }

    public CoapSettings withSockets(int rcvBuf, int sndBuf, int connections, int cidLength) {
        return toBuilder().receiveBufferSize(rcvBuf).sendBufferSize(sndBuf).connectionStoreSize(connections)
                .connectionIdLength(cidLength).build();
    }

    /** Named settings, each starting at its default (see the record's parameters); not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private int dtlsPort = -1;
        private byte[] pskMasterSecret = null;
        private List<X509Certificate> trustAnchors = List.of();
        private PrivateKey serverKey = null;
        private List<X509Certificate> serverChain = List.of();
        private boolean rawPublicKeys = false;
        private int connectionIdLength = 6;
        private Deduplicator deduplicator = Deduplicator.PEERS_MARK_AND_SWEEP;
        private int dedupMessagesPerPeer = 4;
        private Duration dedupLifetime = DEFAULT_DEDUP_LIFETIME;
        private int receiveBufferSize = 0;
        private int sendBufferSize = 0;
        private int connectionStoreSize = 150_000;
        private int maxSessions = 1_000_000;
        private int maxPayloadBytes = 64 * 1024;
        private int maxTokenBytes = 4096;
        private Duration sweepInterval = Duration.ofMillis(500);
        private int maxPeersPerPrincipal = DEFAULT_MAX_PEERS_PER_PRINCIPAL;
        private int maxObservationsPerPrincipal = DEFAULT_MAX_OBSERVATIONS_PER_PRINCIPAL;
        private Duration commandRetention = DEFAULT_COMMAND_RETENTION;
        private Duration notificationMaxAge = DEFAULT_NOTIFICATION_MAX_AGE;
        private List<X509CRL> revocationLists = List.of();
        private int maxBlockTransfers = DEFAULT_MAX_BLOCK_TRANSFERS;
        private int maxBlockTransfersPerPeer = DEFAULT_MAX_BLOCK_TRANSFERS_PER_PEER;
        private Duration blockwiseLifetime = DEFAULT_BLOCKWISE_LIFETIME;
        private int maxDedupExchanges = 0;

        private Builder() {
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder dtlsPort(int v) {
            dtlsPort = v;
            return this;
        }

        public Builder pskMasterSecret(byte[] v) {
            pskMasterSecret = v;
            return this;
        }

        public Builder trustAnchors(List<X509Certificate> v) {
            trustAnchors = v;
            return this;
        }

        public Builder serverKey(PrivateKey v) {
            serverKey = v;
            return this;
        }

        public Builder serverChain(List<X509Certificate> v) {
            serverChain = v;
            return this;
        }

        public Builder rawPublicKeys(boolean v) {
            rawPublicKeys = v;
            return this;
        }

        public Builder connectionIdLength(int v) {
            connectionIdLength = v;
            return this;
        }

        public Builder deduplicator(Deduplicator v) {
            deduplicator = v;
            return this;
        }

        public Builder dedupMessagesPerPeer(int v) {
            dedupMessagesPerPeer = v;
            return this;
        }

        public Builder dedupLifetime(Duration v) {
            dedupLifetime = v;
            return this;
        }

        public Builder receiveBufferSize(int v) {
            receiveBufferSize = v;
            return this;
        }

        public Builder sendBufferSize(int v) {
            sendBufferSize = v;
            return this;
        }

        public Builder connectionStoreSize(int v) {
            connectionStoreSize = v;
            return this;
        }

        public Builder maxSessions(int v) {
            maxSessions = v;
            return this;
        }

        public Builder maxPayloadBytes(int v) {
            maxPayloadBytes = v;
            return this;
        }

        public Builder maxTokenBytes(int v) {
            maxTokenBytes = v;
            return this;
        }

        public Builder sweepInterval(Duration v) {
            sweepInterval = v;
            return this;
        }

        public Builder maxPeersPerPrincipal(int v) {
            maxPeersPerPrincipal = v;
            return this;
        }

        public Builder maxObservationsPerPrincipal(int v) {
            maxObservationsPerPrincipal = v;
            return this;
        }

        public Builder commandRetention(Duration v) {
            commandRetention = v;
            return this;
        }

        public Builder notificationMaxAge(Duration v) {
            notificationMaxAge = v;
            return this;
        }

        public Builder revocationLists(List<X509CRL> v) {
            revocationLists = v;
            return this;
        }

        public Builder maxBlockTransfers(int v) { maxBlockTransfers = v; return this; }

        public Builder maxBlockTransfersPerPeer(int v) { maxBlockTransfersPerPeer = v; return this; }

        public Builder blockwiseLifetime(Duration v) { blockwiseLifetime = v; return this; }

        public Builder maxDedupExchanges(int v) { maxDedupExchanges = v; return this; }

        /** The settings; throws {@link IllegalArgumentException} for an inconsistent or out-of-range one. */
        public CoapSettings build() {
            return new CoapSettings(host, port, dtlsPort, pskMasterSecret, trustAnchors, serverKey, serverChain,
                    rawPublicKeys, connectionIdLength, deduplicator, dedupMessagesPerPeer, dedupLifetime,
                    receiveBufferSize, sendBufferSize, connectionStoreSize, maxSessions, maxPayloadBytes, maxTokenBytes, sweepInterval,
                    maxPeersPerPrincipal, maxObservationsPerPrincipal, commandRetention, notificationMaxAge,
                    revocationLists, maxBlockTransfers, maxBlockTransfersPerPeer, blockwiseLifetime,
                    maxDedupExchanges);
        }
    }

    @Override
    public String toString() { // never print the master secret or the private key
        return "CoapSettings{host=" + host + ", port=" + port + ", dtlsPort=" + dtlsPort
                + ", psk=" + (pskMasterSecret != null) + ", trustAnchors=" + trustAnchors.size() + ", crls=" + revocationLists.size()
                + ", serverKey=" + (serverKey != null) + ", rpk=" + rawPublicKeys + ", cid=" + connectionIdLength
                + ", dedup=" + deduplicator + "/" + dedupMessagesPerPeer + "/" + dedupLifetime.toSeconds() + "s"
                + ", rcvBuf=" + receiveBufferSize
                + ", sndBuf=" + sendBufferSize + ", connections=" + connectionStoreSize + ", sessions=" + maxSessions
                + ", maxPayload=" + maxPayloadBytes + ", maxToken=" + maxTokenBytes
                + ", peersPerPrincipal=" + maxPeersPerPrincipal + ", observationsPerPrincipal="
                + maxObservationsPerPrincipal + ", commandRetention=" + commandRetention.toSeconds() + "s"
                + ", notificationMaxAge=" + notificationMaxAge.toSeconds() + "s, blockTransfers=" + maxBlockTransfers
                + "/" + maxBlockTransfersPerPeer + "/" + blockwiseLifetime.toSeconds() + "s, dedupCap=" + maxDedupExchanges + "}";
    }
}
