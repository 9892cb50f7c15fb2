package io.edgeauth.broker.auth;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenRejectedException;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetAddress;
import java.util.LinkedHashMap;
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
public final class DefaultAuthPipeline implements AuthPipeline {
    private final TokenVerifier verifier;
    private final RevocationChecker revocations;
    private final DeviceRegistry registry;
    private final RateLimits rateLimits;
    private final GeoPolicy geo;
    private final Function<String, String> tenantOfIssuer;
    private final Function<String, String> regionOfIssuer;
    private final String defaultRatePlan;
    private final AuditLog audit;
    private final MeterRegistry meters;
    private final Timer latency;

    /**
     * @param tenantOfIssuer maps a token's {@code iss} to the tenant whose keys verified it (null if none)
     * @param regionOfIssuer maps a token's {@code iss} to the GeoHash cell it is bound to (null/empty: none)
     */
    public DefaultAuthPipeline(TokenVerifier verifier, RevocationChecker revocations, DeviceRegistry registry,
                               RateLimits rateLimits, GeoPolicy geo, Function<String, String> tenantOfIssuer,
                               Function<String, String> regionOfIssuer, String defaultRatePlan, AuditLog audit,
                               MeterRegistry meters) {
        this.regionOfIssuer = regionOfIssuer;
        this.verifier = verifier;
        this.revocations = revocations;
        this.registry = registry;
        this.rateLimits = rateLimits;
        this.geo = geo;
        this.tenantOfIssuer = tenantOfIssuer;
        this.defaultRatePlan = defaultRatePlan;
        this.audit = audit;
        this.meters = meters;
        this.latency = Timer.builder("edgeauth.auth.latency").description("authentication pipeline latency")
                .publishPercentileHistogram().register(meters);
    }

    @Override
    public CompletionStage<DeviceSession> authenticate(AuthRequest request) {
        long start = System.nanoTime();
        InetAddress source = request.transport().remoteAddress() == null
                ? null : request.transport().remoteAddress().getAddress();
        // no claimed id (CoAP token upload): only the source address is limited, never a shared "" bucket
        String claimed = request.claimedId() == null || request.claimedId().isEmpty() ? null : request.claimedId();
        VerifiedToken token = null;
        try {
            if (!rateLimits.tryConnect(claimed, source)) {
                throw new TokenRejectedException(RejectionReason.RATE_LIMITED, "too many connection attempts");
            }
            token = verifier.verify(request.token());
            DeviceSession session = authorize(request, token);
            record(request, token, "ok", null);
            return CompletableFuture.completedFuture(session);
        } catch (TokenRejectedException e) {
            if (e.reason() != RejectionReason.RATE_LIMITED) {
                rateLimits.recordFailedConnect(claimed, source);
            }
            record(request, token, e.reason().code(), e.getMessage());
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            record(request, token, RejectionReason.INTERNAL_ERROR.code(), e.toString());
            return CompletableFuture.failedFuture(
                    new TokenRejectedException(RejectionReason.INTERNAL_ERROR, "authentication failed internally"));
        } finally {
            latency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private DeviceSession authorize(AuthRequest request, VerifiedToken token) throws TokenRejectedException {
        Optional<RejectionReason> revoked = revocations.check(token);
        if (revoked.isPresent()) {
            throw new TokenRejectedException(revoked.get(), revoked.get() == RejectionReason.KEY_REVOKED
                    ? "the key that signed this token is revoked" : "token revoked");
        }
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
        boolean wallet = subject.startsWith("did:");
        String claimed = request.claimedId();
        if (!wallet && claimed != null && !claimed.isEmpty() && !claimed.equals(subject)) {
            throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH,
                    "client id '" + claimed + "' is not the token's subject");
        }
        Set<String> owned = Set.of();
        String plan = defaultRatePlan;
        if (wallet) {
            owned = registry.ownedBy(subject).stream()
                    .filter(id -> registry.find(id).map(d -> d.tenant().equals(tenant)).orElse(false))
                    .collect(Collectors.toUnmodifiableSet());
        } else {
            Device device = registry.find(subject).orElseThrow(() ->
                    new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE, "device is not registered"));
            if (!device.tenant().equals(tenant)) {
                throw new TokenRejectedException(RejectionReason.WRONG_TENANT,
                        "device is registered in another tenant");
            }
            checkDeviceBinding(device, request.transport());
            if (device.ratePlan() != null) {
                plan = device.ratePlan();
            }
        }
        checkTokenBinding(token, request.transport(), wallet ? null : registry.find(subject).orElse(null));
        geo.checkIssuerRegion(token.issuer(), regionOfIssuer.apply(token.issuer()));
        geo.checkToken(token.geo());
        geo.checkLocation(request.reportedGeo(), token.geo());
        return new DeviceSession(subject, tenant, token, owned, plan, request.transport());
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
        fields.put("claimed_id", request.claimedId());
        fields.put("remote", request.transport().remoteAddress() == null
                ? null : request.transport().remoteAddress().toString());
        if (token != null) {
            fields.put("sub", token.subject());
            fields.put("iss", token.issuer());
            fields.put("kid", token.keyId());
            fields.put("token", token.fingerprint());
        }
        fields.put("detail", detail);
        audit.record(outcome.equals("ok") ? "auth.accepted" : "auth.refused", outcome, fields);
    }
}
