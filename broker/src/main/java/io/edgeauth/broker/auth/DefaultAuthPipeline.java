package io.edgeauth.broker.auth;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.WalletDids;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The authentication chain of the contract (docs/contract.md): connection-attempt limit, token verification, revocation,
 * tenant, identity, binding, geo. Everything it consults is in memory, so it runs on the caller's
 * thread and completes at once; the one CPU-heavy step (a signature check, ~40 µs with the native
 * provider) is skipped on verified-token cache hits. Thread-safe.
 */
public final class DefaultAuthPipeline implements AuthPipeline, TokenInspector {
    private final TokenVerifier verifier;
    private final RevocationChecker revocations;
    private final DeviceRegistry registry;
    private final ServicePrincipals services;
    private final RateLimits rateLimits;
    private final GeoPolicy geo;
    private final Function<String, String> tenantOfIssuer;
    private final java.util.function.Predicate<VerifiedToken> sharedSecret;
    private final Function<String, String> regionOfIssuer;
    private final String defaultRatePlan;
    private final AuditLog audit;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Duration clockLeeway;
    private final Timer latency;

    private DefaultAuthPipeline(Builder b) {
        this.verifier = Objects.requireNonNull(b.verifier, "verifier");
        this.revocations = Objects.requireNonNull(b.revocations, "revocations");
        this.registry = Objects.requireNonNull(b.registry, "registry");
        this.services = b.services == null ? ServicePrincipals.NONE : b.services;
        this.rateLimits = Objects.requireNonNull(b.rateLimits, "rateLimits");
        this.geo = Objects.requireNonNull(b.geo, "geo");
        this.tenantOfIssuer = Objects.requireNonNull(b.tenantOfIssuer, "tenantOfIssuer");
        this.sharedSecret = b.sharedSecret;
        this.regionOfIssuer = b.regionOfIssuer == null ? iss -> null : b.regionOfIssuer;
        this.defaultRatePlan = Objects.requireNonNull(b.defaultRatePlan, "defaultRatePlan");
        this.audit = b.audit == null ? AuditLog.NOOP : b.audit;
        this.meters = Objects.requireNonNull(b.meters, "meters");
        this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
        this.clockLeeway = Objects.requireNonNull(b.clockLeeway, "clockLeeway (the verifier's)");
        this.latency = Timer.builder("edgeauth.auth.latency").description("authentication pipeline latency")
                .publishPercentileHistogram().register(meters);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds the pipeline; every setter but {@code regionOfIssuer}, {@code audit} and {@code clock} is required. */
    public static final class Builder {
        private TokenVerifier verifier;
        private RevocationChecker revocations;
        private DeviceRegistry registry;
        private ServicePrincipals services;
        private RateLimits rateLimits;
        private GeoPolicy geo;
        private Function<String, String> tenantOfIssuer;
        private Function<String, String> regionOfIssuer;
        private java.util.function.Predicate<VerifiedToken> sharedSecret = t -> false;
        private String defaultRatePlan;
        private AuditLog audit;
        private MeterRegistry meters;
        private Clock clock;
        private Duration clockLeeway;

        private Builder() {
        }

        public Builder verifier(TokenVerifier v) {
            verifier = v;
            return this;
        }

        public Builder revocations(RevocationChecker v) {
            revocations = v;
            return this;
        }

        public Builder registry(DeviceRegistry v) {
            registry = v;
            return this;
        }

        /** The registered service clients (optional: none without it). */
        public Builder services(ServicePrincipals v) {
            services = v;
            return this;
        }

        public Builder rateLimits(RateLimits v) {
            rateLimits = v;
            return this;
        }

        /** The node's region rules; the MQTT edge must check PUBLISH locations with the same policy. */
        public Builder geo(GeoPolicy v) {
            geo = v;
            return this;
        }

        /** Maps a token's {@code iss} to the tenant whose keys verified it (null if none). */
        public Builder tenantOfIssuer(Function<String, String> v) {
            tenantOfIssuer = v;
            return this;
        }

        /** Maps a token's {@code iss} to the GeoHash cell it is bound to (null/empty: none). */
        public Builder regionOfIssuer(Function<String, String> v) {
            regionOfIssuer = v;
            return this;
        }

        /**
         * Whether a tenant's shared HS256 secret signed a token (default: none does). Its holder can sign any claims,
         * so such a token is accepted for the tenant's service clients only, under their registered grants.
         */
        public Builder sharedSecretTokens(java.util.function.Predicate<VerifiedToken> v) {
            sharedSecret = v;
            return this;
        }

        public Builder defaultRatePlan(String v) {
            defaultRatePlan = v;
            return this;
        }

        public Builder audit(AuditLog v) {
            audit = v;
            return this;
        }

        public Builder meters(MeterRegistry v) {
            meters = v;
            return this;
        }

        /** The clock every edge decides session expiry with (the verifier's); default the system clock. */
        public Builder clock(Clock v) {
            clock = v;
            return this;
        }

        /** The verifier's leeway on {@code exp}: a session lasts until {@code exp} + leeway, never shorter or longer. */
        public Builder clockLeeway(Duration v) {
            clockLeeway = v;
            return this;
        }

        public DefaultAuthPipeline build() {
            return new DefaultAuthPipeline(this);
        }
    }

    @Override
    public CompletionStage<DeviceSession> authenticate(AuthRequest request) {
        long start = System.nanoTime();
        InetAddress source = request.transport().remoteAddress() == null
                ? null : request.transport().remoteAddress().getAddress();
        // attempts count per source before anything is proven, and per identity once a signature proves one: an id
        // a client only claims spends nobody's budget (a stranger's bad CONNECTs as pump-7 do not lock pump-7 out)
        String identity = null;
        VerifiedToken token = null;
        try {
            // an HTTP request is not a connection: an API client's calls spend no connect budget (its failures do)
            boolean connection = request.transport().protocol() != Protocol.HTTP;
            if (connection && !rateLimits.tryConnect(null, source)) {
                throw tooManyAttempts(null, source);
            }
            token = verifier.verify(request.token());
            // a revoked token no longer speaks for its subject, and whoever replays it looks like the device: it
            // spends the source's budget only, or replays of a leaked, revoked token would lock the device out
            rejectRevoked(token);
            identity = identityOf(token);
            if (connection && !rateLimits.tryConnect(identity, null)) {
                throw tooManyAttempts(identity, null);
            }
            DeviceSession session = authorize(request.claimedId(), request.reportedGeo(), request.transport(), token);
            record(request, token, "ok", null);
            return CompletableFuture.completedFuture(session);
        } catch (TokenRejectedException e) {
            if (e.reason() != RejectionReason.RATE_LIMITED) {
                rateLimits.recordFailedConnect(identity, source);
            }
            record(request, token, e.reason().code(), e.auditDetail());
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            RejectionReason reason = RejectionReason.ofFailure(e); // a store outage is "retry later", not a crash
            record(request, token, reason.code(), e.toString());
            return CompletableFuture.failedFuture(new TokenRejectedException(reason,
                    reason == RejectionReason.UNAVAILABLE ? "state store unavailable, retry later"
                            : "authentication failed internally"));
        } finally {
            latency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public DeviceSession inspect(byte[] token) throws TokenRejectedException {
        try {
            VerifiedToken verified = verifier.verify(token);
            rejectRevoked(verified);
            return authorize(null, null, null, verified);
        } catch (RuntimeException e) {
            RejectionReason reason = RejectionReason.ofFailure(e);
            throw new TokenRejectedException(reason, reason == RejectionReason.UNAVAILABLE
                    ? "state store unavailable, retry later" : "token inspection failed internally");
        }
    }

    /** The connect-guard key of a verified token's holder: its tenant (or issuer) and subject. */
    private String identityOf(VerifiedToken token) {
        String tenant = tenantOfIssuer.apply(token.issuer());
        return (tenant != null ? tenant : token.issuer()) + '\u0000' + token.subject();
    }

    /** Refuses a token that is revoked, by itself, its subject or its signing key. */
    private void rejectRevoked(VerifiedToken token) throws TokenRejectedException {
        Optional<RejectionReason> revoked = revocations.check(token);
        if (revoked.isPresent()) {
            throw new TokenRejectedException(revoked.get(), revoked.get() == RejectionReason.KEY_REVOKED
                    ? "the key that signed this token is revoked" : "token revoked");
        }
    }

    /** The connection-attempt guard's refusal, with the wait its bucket sets (CoAP says it as Max-Age). */
    private TokenRejectedException tooManyAttempts(String identity, InetAddress source) {
        return new TokenRejectedException(RejectionReason.RATE_LIMITED, "too many connection attempts")
                .retryAfter(rateLimits.secondsUntilConnect(identity, source));
    }

    /**
     * Everything after the signature and the revocation check. {@code transport} is null when the token is
     * inspected rather than presented: then nothing binds it to a channel, and no client id or location is claimed.
     */
    private DeviceSession authorize(String claimed, String reportedGeo, TransportFacts transport, VerifiedToken token)
            throws TokenRejectedException {
        String tenant = tenantOfIssuer.apply(token.issuer());
        if (tenant == null) {
            throw new TokenRejectedException(RejectionReason.UNKNOWN_ISSUER, "issuer is not trusted");
        }
        if (token.tenantId() != null && !token.tenantId().equals(tenant)) {
            throw new TokenRejectedException(RejectionReason.WRONG_TENANT,
                    "tenant_id does not match the issuer's tenant");
        }
        String subject = token.subject();
        if (subject == null || subject.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.MISSING_CLAIM, "token has no sub");
        }
        Optional<Device> registered = registry.find(subject);
        Optional<? extends ServicePrincipals.Service> service = services.principal(subject);
        PrincipalKind kind = service.isPresent() ? serviceKind(subject, registered) : kindOf(subject, registered);
        if (sharedSecret.test(token)) {
            checkSharedSecretToken(kind, token);
        }
        boolean wallet = kind == PrincipalKind.WALLET;
        // a client id is a session's name: a principal may only use its own. Wallets and services hold several
        // sessions (the broker names an unnamed one <id>#<random>), so they may name them <id>#<suffix>; a device is one
        boolean manySessions = wallet || kind == PrincipalKind.SERVICE;
        if (claimed != null && !claimed.isEmpty()
                && !(manySessions ? WalletDids.isOwnClientId(subject, claimed) : claimed.equals(subject))) {
            throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, manySessions
                    ? "the client id must be the token's subject or <subject>#<suffix>, or empty (assigned by the broker)"
                    : "client id is not the token's subject");
        }
        Set<String> owned = Set.of();
        String plan = defaultRatePlan;
        if (wallet) {
            owned = registry.ownedBy(subject).stream()
                    .filter(id -> registry.find(id).map(d -> d.tenant().equals(tenant)).orElse(false))
                    .collect(Collectors.toUnmodifiableSet());
        } else if (kind == PrincipalKind.SERVICE) {
            checkServiceGrants(service.get(), tenant, token);
            if (service.get().ratePlan() != null) {
                plan = service.get().ratePlan();
            }
        } else {
            Device device = registered.get();
            if (!device.tenant().equals(tenant)) {
                throw new TokenRejectedException(RejectionReason.WRONG_TENANT,
                        "device is registered in another tenant");
            }
            if (transport != null) {
                checkDeviceBinding(device, transport);
            }
            if (device.ratePlan() != null) {
                plan = device.ratePlan();
            }
        }
        if (transport != null) {
            checkTokenBinding(token, transport, registered.orElse(null));
        }
        String issuerCell = regionOfIssuer.apply(token.issuer());
        geo.checkIssuerRegion(token.issuer(), issuerCell);
        // the session holds the cells in force, so every later check (PUBLISH, CoAP upload, renewal) uses them
        token = token.withGeo(geo.cellsInForce(token.geo(), issuerCell,
                kind == PrincipalKind.DEVICE && registered.isPresent() ? registered.get().region() : List.of()));
        geo.checkLocation(reportedGeo, token.geo());
        Instant validUntil = token.expiresAt().plus(clockLeeway);
        if (!clock.instant().isBefore(validUntil)) { // the verifier's judgement, restated on the edges' clock
            throw new TokenRejectedException(RejectionReason.EXPIRED, "token expired");
        }
        return new DeviceSession(kind, subject, tenant, token, owned, plan, transport, validUntil);
    }

    /**
     * A registered device is a device and a wallet DID that is no device is a wallet. A registered device whose
     * id is a wallet DID (a record written before the registry refused the DID namespace) is neither: its tokens
     * and the wallet's cannot be told apart, so both are refused until an operator renames the device.
     */
    private static PrincipalKind kindOf(String subject, Optional<Device> registered) throws TokenRejectedException {
        boolean did = WalletDids.isWalletDid(subject);
        if (registered.isPresent() && !did && !WalletDids.inDidNamespace(subject)) {
            return PrincipalKind.DEVICE;
        }
        if (registered.isEmpty() && did) {
            return PrincipalKind.WALLET;
        }
        throw new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE, registered.isPresent()
                ? "a device id in the DID namespace is not usable: an operator must re-register the device"
                : "device is not registered");
    }

    /**
     * A registered service is a service unless its id is also a device's or a DID (registrations refuse both; a
     * record that got through anyway makes the id unusable rather than two principals at once).
     */
    private static PrincipalKind serviceKind(String subject, Optional<Device> registered) throws TokenRejectedException {
        if (registered.isPresent() || WalletDids.inDidNamespace(subject)) {
            throw new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE,
                    "the id is registered as a service and as a device or DID: an operator must remove one");
        }
        return PrincipalKind.SERVICE;
    }

    /**
     * A token the tenant's shared HS256 secret signed is a service client's own: it names a service, and carries its
     * topic grants only; a plain scope ({@code introspect}, a self-service scope) is the broker's to grant, and the
     * secret's holder could write any.
     */
    private static void checkSharedSecretToken(PrincipalKind kind, VerifiedToken token) throws TokenRejectedException {
        if (kind != PrincipalKind.SERVICE) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN, "a token signed with the tenant's shared HS256"
                    + " secret may only name one of the tenant's service clients");
        }
        for (String entry : token.scope()) {
            if (entry.indexOf(':') <= 0) {
                throw new TokenRejectedException(RejectionReason.FORBIDDEN, "a token signed with the tenant's shared"
                        + " HS256 secret may carry only the service's topic grants, not '"
                        + io.edgeauth.broker.refusal.ClientText.cut(entry, 32) + "'");
            }
        }
    }

    /** A service acts in its own tenant, and only under grants it still holds (an operator may have removed some). */
    private static void checkServiceGrants(ServicePrincipals.Service service, String tenant, VerifiedToken token)
            throws TokenRejectedException {
        if (!service.tenant().equals(tenant)) {
            throw new TokenRejectedException(RejectionReason.WRONG_TENANT, "service is registered in another tenant");
        }
        for (String entry : token.scope()) {
            if (entry.indexOf(':') > 0 && !service.grantsScope(entry)) {
                throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                        "the token grants a topic the service's registration does not");
            }
        }
    }

    /** A device registered by certificate must present that certificate on secure listeners. */
    private static void checkDeviceBinding(Device device, TransportFacts t) throws TokenRejectedException {
        if (device.credential().type() == Device.CredentialType.X5T_S256 && t.secureChannel()
                && !device.credential().value().equals(t.clientCertThumbprint())) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    t.clientCertThumbprint() == null ? "this device must present its registered client certificate"
                            : "client certificate is not the device's registered certificate");
        }
    }

    /** The token's cnf must match what the transport proved. */
    private static void checkTokenBinding(VerifiedToken token, TransportFacts t, Device device)
            throws TokenRejectedException {
        String x5t = token.cnf().x5tS256();
        if (x5t != null && !x5t.equals(t.clientCertThumbprint())) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    t.clientCertThumbprint() == null ? "token is bound to a client certificate; none was presented"
                            : "client certificate does not match the token's cnf x5t#S256");
        }
        String jkt = token.cnf().jkt();
        if (jkt != null && t.clientCertThumbprint() != null && !jkt.equals(t.clientCertKeyThumbprint())) {
            // the channel proved a key (the certificate's): a token bound to another key is someone else's
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    "the client certificate's key is not the token's cnf jkt");
        }
        if (t.rawPublicKeyThumbprint() != null) {
            // a raw public key proves possession of a key: it must be the one the token or the registry names
            String expected = token.cnf().jkt() != null ? token.cnf().jkt() : registeredKeyThumbprint(device);
            if (!t.rawPublicKeyThumbprint().equals(expected)) {
                throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH, expected == null
                        ? "raw public key is bound neither by the token's cnf jkt nor by the registry"
                        : "raw public key does not match the token's or the device's key");
            }
        }
        if (t.pskIdentity() != null && !t.pskIdentity().equals(token.subject())) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    "PSK identity is not the token's subject");
        }
    }

    private static String registeredKeyThumbprint(Device device) {
        if (device == null || device.credential().type() != Device.CredentialType.JWK) {
            return null;
        }
        try {
            return com.nimbusds.jose.jwk.JWK.parse(device.credential().value()).computeThumbprint().toString();
        } catch (java.text.ParseException | com.nimbusds.jose.JOSEException e) {
            return null;
        }
    }

    private void record(AuthRequest request, VerifiedToken token, String outcome, String detail) {
        String protocol = request.transport().protocol().label();
        meters.counter("edgeauth.auth.attempts", "protocol", protocol, "outcome", outcome).increment();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("protocol", protocol);
        // a refused request's id is what the client sent: a token passed there in error is not recorded whole
        fields.put("claimed_id", outcome.equals("ok") ? request.claimedId()
                : io.edgeauth.broker.refusal.ClientText.audited(request.claimedId()));
        fields.put("remote", io.edgeauth.broker.audit.AuditAddress.of(request.transport().remoteAddress()));
        if (token != null) {
            fields.put("sub", token.subject());
            fields.put("iss", token.issuer());
            fields.put("kid", token.keyId());
            fields.put("token", token.fingerprint());
        }
        // the anomaly watch follows each principal's cells (impossible travel); a refused request's location is
        // unchecked client text, kept as a refused id is (tour G, G6)
        fields.put("geo", outcome.equals("ok") ? request.reportedGeo()
                : io.edgeauth.broker.refusal.ClientText.audited(request.reportedGeo()));
        fields.put("detail", detail);
        audit.record(outcome.equals("ok") ? "auth.accepted" : "auth.refused", outcome, fields);
    }
}
