package io.edgeauth.broker.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The broker's whole configuration: one typed, validated, immutable object. Built by
 * {@link ConfigLoader} from the embedded defaults, an optional YAML file and {@code EDGEAUTH_*}
 * environment overrides; {@link ConfigValidator} refuses bad values naming the key and the expected
 * form. Every field has a default, so an empty file is a working development broker.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record BrokerConfig(
        Path dataDir,
        String publicUrl,
        Http http,
        Mqtt mqtt,
        Coap coap,
        Tokens tokens,
        List<Tenant> tenants,
        List<TrustedIssuer> trustedIssuers,
        Crypto crypto,
        Region region,
        Map<String, RatePlanConfig> ratePlans,
        String defaultRatePlan,
        Store store,
        Wallet wallet,
        ConnectionGuard connectionGuard,
        TokenRequests tokenRequests,
        Provisioning provisioning,
        Audit audit,
        io.edgeauth.broker.admission.AdmissionLimits admission,
        Network network) {

    /**
     * HTTP API listener: one server per core on {@code port}; requests run on {@code workerThreads}
     * (crypto and store writes never on an event loop); beyond {@code maxPendingRequests} waiting or
     * running, new ones get 503 with {@code Retry-After: retryAfterSeconds} (as does a request the store
     * cannot serve now: disk full, Redis out). At most {@code maxConnections} connections are held open (0: a quarter
     * of the process's open-file limit), {@code maxConnectionsPerAddress} from one address (0: no such bound); one
     * that stays silent for {@code idleTimeout} is closed, as is one whose request body is not read whole within
     * {@code requestReadTimeout} of its headers (a streamed import excepted). A request from one of
     * {@code trustedProxies} (IP addresses or CIDR ranges) is taken to come from the client its {@code Forwarded} or
     * {@code X-Forwarded-For} names. Beyond {@code adminFailuresPerAddressPerMinute} wrong admin credentials from one
     * source address, that address gets 429 until its budget refills, a right credential too (0: no such bound).
     */
    public record Http(String host, int port, int workerThreads, int maxPendingRequests, int retryAfterSeconds,
                       HttpTls tls, Duration idleTimeout, int maxConnections, int maxConnectionsPerAddress,
                       Duration requestReadTimeout, List<String> trustedProxies, int adminFailuresPerAddressPerMinute) {
        public Http {
            tls = tls == null ? HttpTls.OFF : tls;
            trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
            idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
            requestReadTimeout = requestReadTimeout == null ? Duration.ofSeconds(30) : requestReadTimeout;
        }

        /** Without the HTTPS listener, with the default connection bounds. */
        public Http(String host, int port, int workerThreads, int maxPendingRequests, int retryAfterSeconds) {
            this(host, port, workerThreads, maxPendingRequests, retryAfterSeconds, null, null, 0, 0, null, null, 20);
        }
    }

    /**
     * The optional HTTPS listener of the same API ({@code port} -1: off), where devices authenticate to
     * {@code /oauth/token} with their client certificate (RFC 8705 {@code tls_client_auth}): the server key and
     * chain in {@code keyStore}; client certificates are asked for ({@code clientAuth} {@code request}) or
     * demanded ({@code required}) and let through the handshake when they chain to {@code trustStore}'s CAs
     * (minus {@code crl}) or to a tenant's fleet CA; the token endpoint then decides. docs/onboarding.md.
     */
    public record HttpTls(int port, Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
                          Path crl, String clientAuth) {
        public static final HttpTls OFF = new HttpTls(-1, null, "", null, "", null, "request");

        public HttpTls {
            keyStorePassword = keyStorePassword == null ? "" : keyStorePassword;
            trustStorePassword = trustStorePassword == null ? "" : trustStorePassword;
            clientAuth = clientAuth == null ? "request" : clientAuth;
        }
    }

    /**
     * MQTT listeners; port 0 picks a free port, -1 disables the listener. TLS (and MQTT over secure
     * WebSocket) use the PKCS#12/JKS key store; {@code clientAuth} none|request|required asks for device
     * certificates signed by the trust store's CAs (mutual TLS); {@code crl} (PEM/DER) lists revoked device
     * certificates. docs/security-posture.md "TLS and DTLS". Retained messages: at most
     * {@code maxRetainedPerTenant} topics per tenant, of which at most {@code maxRetainedPerDevice} under one
     * device's {@code d/<id>} (and as many per publisher outside device trees); a retained publish of a new topic
     * beyond a bound is refused (PUBACK 0x97).
     */
    public record Mqtt(String host, int port, int tlsPort, int websocketPort, String clientAuth, Path keyStore,
                       String keyStorePassword, Path trustStore, String trustStorePassword, int maxPacketSize,
                       int receiveMaximum, int queueLength, int offlineQueueLength, int abuseThreshold,
                       Duration abuseWindow, int maxSessionsPerPrincipal, boolean persistSessions, Path crl,
                       Duration connectTimeout, int maxRetainedPerTenant, int maxRetainedPerDevice, int maxConnections,
                       Duration maxSessionExpiry) { }

    /**
     * CoAP listeners; port 0 picks a free port, -1 disables the listener. DTLS device PSKs are derived
     * from a master secret (generated in the data directory unless {@code pskMasterSecretFile} names
     * one); X.509 and raw public keys need the key store (server key and chain) and, for device
     * certificates, the trust store (and {@code crl}, PEM/DER, for revoked ones). Retransmitted requests are recognised for {@code dedupLifetime} (at most
     * {@code dedupExchangesPerPeer} per device); see {@link io.edgeauth.broker.coap.CoapSettings#DEFAULT_DEDUP_LIFETIME}.
     * One principal is bound to at most {@code maxPeersPerPrincipal} peers (a new one ends its oldest) and holds at
     * most {@code maxObservationsPerPrincipal} Observe relations (one more: 4.29). An Observe relation that ends
     * other than by the broker's refusal keeps its commands for the device's next registration for
     * {@code commandRetention} (0 = not at all). Observe answers and notifications carry {@code notificationMaxAge}
     * as Max-Age: a device's Observe client registers again when it passes without a notification. With
     * {@code keepDtlsSessions} the DTLS listener's established connections are kept across a clean restart
     * (encrypted in the data directory, read once). Block1 uploads in progress are bounded by {@code maxBlockTransfers}
     * (all peers) and {@code maxBlockTransfersPerPeer}; one waits at most {@code blockwiseLifetime} for its next block.
     * At most {@code maxDedupExchanges} received requests are remembered for duplicate detection (0: half the heap's
     * worth).
     */
    public record Coap(String host, int port, int dtlsPort, Path pskMasterSecretFile, Path keyStore,
                       String keyStorePassword, Path trustStore, String trustStorePassword, boolean rawPublicKeys,
                       int maxSessions, int receiveBufferBytes, int dedupExchangesPerPeer, Duration dedupLifetime,
                       int maxPeersPerPrincipal, int maxObservationsPerPrincipal, Duration commandRetention,
                       Duration notificationMaxAge, Path crl, boolean keepDtlsSessions, int maxBlockTransfers,
                       int maxBlockTransfersPerPeer, Duration blockwiseLifetime, int maxDedupExchanges) { }

    /**
     * Token lifetimes and verification bounds. {@code verificationCacheSize}: how many verified tokens the broker
     * remembers (by SHA-256), so a device reconnecting with a token it has used before skips the signature check;
     * about 1 KiB of heap each. Size it to the devices that reconnect within a token's lifetime.
     */
    public record Tokens(Duration defaultLifetime, Duration maxLifetime, Duration clockLeeway, int maxTokenBytes,
                         List<String> audiences, List<ResourceServer> resourceServers, int verificationCacheSize) {
        public Tokens {
            audiences = audiences == null ? List.of() : List.copyOf(audiences);
            resourceServers = resourceServers == null ? List.of() : List.copyOf(resourceServers);
        }
    }

    /**
     * A resource server tokens may be issued for ({@code audience}, asked for at {@code /oauth/token}): a
     * {@code token_format=jwe} token for it is encrypted to its {@code use: enc} key, from its JWKS at
     * {@code jwksUri} (https, plain http on localhost only) or given inline as {@code jwks}
     * (docs/encrypted-tokens.md).
     */
    public record ResourceServer(String audience, String jwksUri, Map<String, Object> jwks) { }

    /**
     * A tenant: its own issuer and signing key, and the plain OAuth scopes its devices may request for
     * themselves ({@code selfServiceScopes}; anything else requested is left out of the token), and whether
     * every token of the tenant is issued encrypted ({@code encryptTokens}, default false) and whether its
     * devices must sign every message ({@code requireSignedTelemetry}, default false).
     */
    public record Tenant(String id, String issuer, String algorithm, String hs256Secret,
                         List<String> selfServiceScopes, Boolean encryptTokens, Boolean requireSignedTelemetry,
                         Hsm hsm) {
        public Tenant {
            encryptTokens = encryptTokens != null && encryptTokens; // absent: only on request
            requireSignedTelemetry = requireSignedTelemetry != null && requireSignedTelemetry;
            algorithm = algorithm == null ? "ES256" : algorithm;
            issuer = issuer == null ? "" : issuer;
            selfServiceScopes = selfServiceScopes == null ? List.of() : List.copyOf(selfServiceScopes);
        }
    }

    /**
     * A tenant's signing keys in a PKCS#11 token (docs/hsm.md): the module, the slot (its id, or its index in the
     * module's slot list), and the user PIN from an environment variable or a file (never in the config itself).
     */
    public record Hsm(Path library, Long slot, Integer slotListIndex, String pinEnv, Path pinFile) { }

    /**
     * An outside issuer trusted by its JWKS (a local file or an https URL). {@code regionGeohash} binds
     * it to a region: its tokens are refused on nodes whose cell does not overlap that cell, and their cells (and the
     * locations their holders report) are bounded by it ({@code GeoPolicy.cellsInForce}).
     */
    public record TrustedIssuer(String issuer, Path jwksFile, String jwksUri, Duration refreshInterval,
                                Duration maxStale, List<String> algorithms, String audience, String tenant,
                                String regionGeohash) {
        public TrustedIssuer {
            refreshInterval = refreshInterval == null ? Duration.ofMinutes(5) : refreshInterval;
            maxStale = maxStale == null ? Duration.ofHours(1) : maxStale;
            algorithms = algorithms == null ? List.of("ES256", "RS256", "EdDSA") : List.copyOf(algorithms);
            tenant = tenant == null ? "default" : tenant;
            regionGeohash = regionGeohash == null ? "" : regionGeohash;
        }
    }

    /**
     * The socket layer under the MQTT and HTTP listeners: Linux epoll through Netty's native transport when
     * {@code nativeTransport} and the platform loads it, else Java NIO ({@code /health} says which).
     */
    public record Network(boolean nativeTransport) { }

    /** Crypto provider choice: ACCP for token signatures and, with DTLS on, for the handshakes' EC operations. */
    public record Crypto(boolean useNativeProvider) { }

    /** The GeoHash cell this node serves ({@code region.geohash}) and an optional region name. */
    public record Region(String geohash, String name) { }

    /**
     * A named rate plan. {@code connectsPerMinute} is refused when set: connection attempts are bounded per identity for
     * every plan alike ({@code connectionGuard.perDevicePerMinute}); it was accepted and never read before.
     */
    public record RatePlanConfig(double messagesPerSecond, int burst, long bytesPerSecond, Integer connectsPerMinute) { }

    /**
     * Sign-In with Ethereum: which domains/origins a message may name (empty: the public URL's), which
     * chains, the tenant wallet sessions belong to, refresh-token lifetime, and EIP-1271 JSON-RPC
     * endpoints by chain id (contract wallets; none configured: contract wallets are refused clearly).
     */
    public record Wallet(List<String> domains, List<String> origins, List<Long> chainIds, String tenant,
                         Duration refreshTokenLifetime, Map<String, String> rpcEndpoints, Duration rpcTimeout) {
        public Wallet {
            domains = domains == null ? List.of() : List.copyOf(domains);
            origins = origins == null ? List.of() : List.copyOf(origins);
            chainIds = chainIds == null ? List.of(1L) : List.copyOf(chainIds);
            rpcEndpoints = rpcEndpoints == null ? Map.of() : Map.copyOf(rpcEndpoints);
        }
    }

    /**
     * Tamper-evident audit (docs/audit.md): the node's name in its hash chain ({@code node}, empty: the node id under
     * {@code store.type} redis, else the host name),
     * the chain on or off, a signed checkpoint every {@code checkpointEvery} events and every
     * {@code checkpointInterval} with new events (signed with {@code checkpointTenant}'s key), and where lines go:
     * stdout, or {@code file} rotated by logback at {@code maxFileSize} and daily, {@code maxHistory} days kept, the
     * rotated files' total at most {@code totalSizeCap} (null: no cap).
     */
    public record Audit(String node, boolean chain, int checkpointEvery, Duration checkpointInterval,
                        String checkpointTenant, Path file, String maxFileSize, int maxHistory, String totalSizeCap,
                        Anomalies anomalies) {
        public Audit {
            node = node == null ? "" : node;
            checkpointInterval = checkpointInterval == null ? Duration.ofMinutes(1) : checkpointInterval;
            checkpointTenant = checkpointTenant == null ? "" : checkpointTenant;
            maxFileSize = maxFileSize == null ? "100MB" : maxFileSize;
            anomalies = anomalies == null ? new Anomalies(1000, 20, Duration.ofMinutes(1)) : anomalies;
        }

        /** The tenant whose key signs checkpoints: the configured one, or else the first tenant. */
        public String signingTenant(List<Tenant> tenants) {
            return checkpointTenant.isEmpty() && !tenants.isEmpty() ? tenants.get(0).id() : checkpointTenant;
        }
    }

    /**
     * Anomaly events: impossible travel faster than {@code maxTravelSpeedKmh} (0: off) and {@code refusalBurst}
     * refusals from one source within {@code refusalWindow} (0: off).
     */
    public record Anomalies(double maxTravelSpeedKmh, int refusalBurst, Duration refusalWindow) {
        public Anomalies {
            refusalWindow = refusalWindow == null ? Duration.ofMinutes(1) : refusalWindow;
        }
    }

    /**
     * Brute-force guard on authentication attempts (MQTT CONNECT, CoAP token uploads): per claimed
     * device id and per source address, per minute; a failed attempt costs {@code failedAttemptCost}
     * more. Size the per-address limit for fleets behind NAT.
     */
    public record ConnectionGuard(int perDevicePerMinute, int perAddressPerMinute, int failedAttemptCost) { }

    /**
     * Bounds of the token endpoints ({@code /oauth/token}, CoAP {@code /token}, {@code /siwe/login}), per node: tokens
     * issued to one authenticated device ({@code perDeviceBurst} back to back, refilled at {@code perDevicePerMinute};
     * 0: off), to one authenticated service client or wallet ({@code perClientBurst}, refilled at
     * {@code perClientPerMinute}; 0: off), and token requests of any outcome from one source address a minute
     * ({@code perAddressPerMinute}; 0: off, the default, as fleets behind NAT share one address).
     * {@code policy.rate.TokenRequestLimits}.
     */
    public record TokenRequests(int perDeviceBurst, int perDevicePerMinute, int perAddressPerMinute, int perClientBurst,
                                int perClientPerMinute) { }

    /**
     * Zero-touch onboarding: fleet CAs a tenant trusts (a device whose certificate chains to one gets its
     * first token with no prior registration), enrollment groups (devices prove HKDF(group secret, id)),
     * and the templates that decide a new device's region, rate plan and owner.
     */
    public record Provisioning(List<FleetCa> fleetCas, List<EnrollmentGroup> enrollmentGroups,
                               Map<String, Template> templates) {
        public Provisioning {
            fleetCas = fleetCas == null ? List.of() : List.copyOf(fleetCas);
            enrollmentGroups = enrollmentGroups == null ? List.of() : List.copyOf(enrollmentGroups);
            templates = templates == null ? Map.of() : Map.copyOf(templates);
        }
    }

    /**
     * A fleet CA: its PEM certificate, an optional PEM CRL, the rule that takes the device id from a
     * certificate ({@code subject-cn}, {@code san-dns}, {@code san-uri}) and the template of new devices.
     */
    public record FleetCa(String id, String tenant, Path certificateFile, Path crlFile, String deviceIdFrom,
                          String template) {
        public FleetCa {
            tenant = tenant == null ? "default" : tenant;
            deviceIdFrom = deviceIdFrom == null ? "subject-cn" : deviceIdFrom;
            template = template == null ? "default" : template;
        }
    }

    /**
     * An enrollment group: devices prove HKDF-SHA256(secret, info = device id) with HS256 client_secret_jwt;
     * {@code idPattern} (a regular expression the whole id must match, null: any) bounds the ids it may provision.
     */
    public record EnrollmentGroup(String id, String tenant, Path secretFile, String template, String idPattern) {
        public EnrollmentGroup {
            tenant = tenant == null ? "default" : tenant;
            template = template == null ? "default" : template;
        }

        /** {@code idPattern} compiled (the validator checked it), or null: any id. */
        public java.util.regex.Pattern ids() {
            return idPattern == null ? null : java.util.regex.Pattern.compile(idPattern);
        }
    }

    /** What a provisioned device's record gets: region cells, rate plan, owner (all optional). */
    public record Template(List<String> region, String ratePlan, String owner) {
        public Template {
            region = region == null ? List.of() : List.copyOf(region);
        }
    }

    /**
     * Durable state: {@code embedded} (MVStore file in the data dir) or {@code redis} (shared by several
     * nodes): {@code redisUri} redis://, rediss:// (TLS), redis-sentinel:// or rediss-sentinel://, never
     * with a password in it ({@code redisPassword}, with {@code redisUser} for a Redis 6 ACL user);
     * {@code redisTrustStore} a PEM file of CA certificates for TLS (empty: the JDK's);
     * {@code redisTimeout} how long a command may take before it counts as an outage;
     * {@code changeStreamLength} the entries each change stream keeps for nodes catching up;
     * {@code onOutage} {@code fail-closed} or {@code fail-open-revocations} (see {@code docs/scale-out.md});
     * {@code keyEncryptionKeyFile} the key (32 bytes, base64) every node encrypts the shared signing keys under;
     * {@code redisWaitReplicas} replicas that must confirm each guarded write ({@code WAIT}) within
     * {@code redisWaitTimeout} before it is reported done (0: the primary's answer is enough).
     */
    public record Store(String type, String redisUri, String redisUser, String redisPassword, Path redisTrustStore,
                        Duration redisTimeout, int changeStreamLength, String onOutage, Path keyEncryptionKeyFile,
                        String nodeId, int inboxLength, Duration nodeLease, int redisWaitReplicas,
                        Duration redisWaitTimeout) { }

    public BrokerConfig {
        tenants = tenants == null ? List.of() : List.copyOf(tenants);
        trustedIssuers = trustedIssuers == null ? List.of() : List.copyOf(trustedIssuers);
        ratePlans = ratePlans == null ? Map.of() : Map.copyOf(ratePlans);
        publicUrl = publicUrl == null ? "" : publicUrl;
        provisioning = provisioning == null ? new Provisioning(null, null, null) : provisioning;
        audit = audit == null ? new Audit(null, true, 1000, Duration.ofMinutes(1), null, null, "100MB", 30, null, null)
                : audit;
        admission = admission == null ? new io.edgeauth.broker.admission.AdmissionLimits(1000, 1, 1000) : admission;
        network = network == null ? new Network(true) : network;
    }

    /** A copy with the public URL set (the broker fills it in once the HTTP port is bound). */
    public BrokerConfig withPublicUrl(String url) {
        return new BrokerConfig(dataDir, url, http, mqtt, coap, tokens, tenants, trustedIssuers, crypto, region,
                ratePlans, defaultRatePlan, store, wallet, connectionGuard, tokenRequests, provisioning, audit, admission,
                network);
    }

    /** The audiences tokens may name: the configured ones, or the public URL and "edgeauth". */
    public List<String> acceptedAudiences() {
        return tokens.audiences() == null || tokens.audiences().isEmpty()
                ? List.of(publicUrl, "edgeauth") : tokens.audiences();
    }

    /** The issuer of a tenant: its configured value or {@code publicUrl/t/<tenant>} ({@code publicUrl} for the default). */
    /** The GeoHash cell a trusted outside issuer is bound to ({@code trustedIssuers[].regionGeohash}), or null. */
    public String regionOfIssuer(String issuer) {
        return trustedIssuers().stream().filter(t -> t.issuer().equals(issuer)).map(TrustedIssuer::regionGeohash)
                .findFirst().orElse(null);
    }

    public String issuerOf(Tenant tenant) {
        if (tenant.issuer() != null && !tenant.issuer().isBlank()) {
            return tenant.issuer();
        }
        return tenant.id().equals("default") ? publicUrl : publicUrl + "/t/" + tenant.id();
    }

    /** The ids of the configured tenants. */
    public Set<String> tenantIds() {
        return tenants.stream().map(Tenant::id).collect(Collectors.toUnmodifiableSet());
    }

    /** The tenant with this id, or null (also for a tenant without an id, which validation refuses by name). */
    public Tenant tenant(String id) {
        for (Tenant t : tenants) {
            if (t.id() != null && t.id().equals(id)) {
                return t;
            }
        }
        return null;
    }
}
