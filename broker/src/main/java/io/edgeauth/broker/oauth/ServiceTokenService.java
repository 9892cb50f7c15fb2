package io.edgeauth.broker.oauth;

import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.rate.TokenRequestLimits;
import io.edgeauth.broker.revocation.SubjectBlocks;
import io.edgeauth.broker.service.ServiceClient;
import io.edgeauth.broker.service.ServiceRegistry;
import io.edgeauth.broker.service.TopicGrant;
import io.edgeauth.broker.token.ClientAssertion;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.Fingerprints;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Issues access tokens to service clients ({@code client_credentials} with an RFC 7523 {@code private_key_jwt}
 * assertion signed by one of the service's registered keys). The token's {@code scope} is the service's topic
 * grants, or the part of them the request names: a requested entry no grant covers refuses the request
 * ({@code invalid_scope}, RFC 6749 §5.2) instead of being dropped, so a service never runs with less than it
 * believes it has. Tenant and {@code cnf jkt} (the signing key) come from the registration. Tokens are bounded per
 * service ({@code tokenRequests.perClientBurst}, {@link #limitedBy}), counted once the assertion verified. Thread-safe.
 */
public final class ServiceTokenService {
    /** The most scope entries a request may name (a service has at most this many grants anyway). */
    private static final int MAX_REQUESTED = 32;
    private static final int MAX_ASSERTION_CHARS = 16 * 1024;

    private final ClientAssertionVerifier assertions;
    private final ServiceRegistry services;
    private final Predicate<String> registeredDevice;
    private final TokenIssuer issuer;
    private final SubjectBlocks blocks;
    private final List<String> audiences;
    private final String regionName;
    private final AuditLog audit;
    private final MeterRegistry meters;
    /** Set once at start-up ({@link #limitedBy}); none until then. */
    private volatile TokenRequestLimits limits = TokenRequestLimits.NONE;

    /**
     * @param registeredDevice whether a device has this id (asked first, from memory, so that a device's token
     *                         request costs no service lookup in the shared store)
     */
    public ServiceTokenService(ClientAssertionVerifier assertions, ServiceRegistry services,
                               Predicate<String> registeredDevice, TokenIssuer issuer, SubjectBlocks blocks,
                               List<String> audiences, String regionName, AuditLog audit, MeterRegistry meters) {
        this.assertions = assertions;
        this.services = services;
        this.registeredDevice = registeredDevice;
        this.issuer = issuer;
        this.blocks = blocks;
        this.audiences = List.copyOf(audiences);
        this.regionName = regionName == null || regionName.isEmpty() ? null : regionName;
        this.audit = audit;
        this.meters = meters;
    }

    /** Bounds the tokens issued per service client by {@code limits} (config {@code tokenRequests}); returns this. */
    public ServiceTokenService limitedBy(TokenRequestLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    /**
     * Whether the assertion's (not yet verified) {@code iss} names a registered service, so that this grant, and
     * not the device grant, answers it. Nothing is trusted from the peek: {@link #issue} verifies everything.
     */
    public boolean handles(String assertion) {
        if (!services.mayHoldAny()) {
            return false;
        }
        return peek(assertion).map(p -> !registeredDevice.test(p.issuer()) && services.find(p.issuer()).isPresent())
                .orElse(false);
    }

    /**
     * Issues a token to the service whose key signed the assertion.
     *
     * @param scope requested scope entries ({@code pub:<filter>}, {@code sub:<filter>}), or null for every grant
     * @throws TokenRejectedException as {@link ClientAssertionVerifier#verify}; REVOKED while a subject revocation
     *     of the service holds; RATE_LIMITED, with the wait, over the service's token budget; FORBIDDEN when the
     *     requested scope asks for what no grant covers
     */
    public IssuedToken issue(String assertion, TokenFormat format, String scope) throws TokenRejectedException {
        return issue(assertion, format, scope, null);
    }

    /** As above, from {@code remote} (the source address in the audit format; null: unknown). */
    public IssuedToken issue(String assertion, TokenFormat format, String scope, String remote)
            throws TokenRejectedException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", "client_credentials");
        fields.put("channel", "http");
        fields.put("remote", remote);
        fields.put("principal", "service");
        try {
            Optional<Peek> peeked = peek(assertion);
            String kid = peeked.map(Peek::kid).orElse(null);
            ClientAssertion verified = verify(assertion, kid, peeked.map(Peek::chain).orElse(false));
            fields.put("client_id", verified.clientId());
            ServiceClient service = services.find(verified.clientId()).orElseThrow(() ->
                    new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE, "service is not registered"));
            issuer.requireConfiguredTenant(service.tenant());
            if (blocks.blocksIssuance(service.id())) {
                throw new TokenRejectedException(RejectionReason.REVOKED,
                        "the service is revoked; no token is issued until an operator lifts the revocation");
            }
            // once its key verified, never for a stranger's assertion naming it; before anything is signed
            limits.takeServiceIssuance(service.tenant(), service.id());
            String[] granted = granted(service, scope);
            TokenClaims.Builder claims = TokenClaims.builder(service.tenant(), service.id())
                    .audience(audiences.toArray(String[]::new))
                    .scope(granted)
                    .cnf(new Confirmation(null, verified.keyThumbprint()));
            if (regionName != null) {
                claims.region(regionName);
            }
            IssuedToken token = issuer.issue(claims.build(), format);
            fields.put("format", format.name().toLowerCase(java.util.Locale.ROOT));
            fields.put("scope", String.join(" ", granted));
            fields.put("kid", token.kid());
            fields.put("token", Fingerprints.of(token.bytes()));
            audit.record("token.issued", "ok", fields);
            meters.counter("edgeauth.tokens.issued", "grant", "service_client_credentials",
                    "format", format.name().toLowerCase(java.util.Locale.ROOT)).increment();
            return token;
        } catch (TokenRejectedException e) {
            fields.put("detail", e.auditDetail());
            audit.record("token.refused", e.reason().code(), fields);
            meters.counter("edgeauth.tokens.refused", "grant", "service_client_credentials",
                    "reason", e.reason().code()).increment();
            throw e.audited();
        }
    }

    /**
     * The assertion checked with the service's key. A device whose certificate names a service's id (its chain in
     * {@code x5c}) reaches this path too and fails the signature: the refusal says why, not only "bad signature".
     */
    private ClientAssertion verify(String assertion, String kid, boolean chain) throws TokenRejectedException {
        try {
            return assertions.verify(assertion, id -> services.find(id).flatMap(s -> s.key(kid)));
        } catch (TokenRejectedException e) {
            if (chain && (e.reason() == RejectionReason.BAD_SIGNATURE || e.reason() == RejectionReason.UNKNOWN_KEY)) {
                throw new TokenRejectedException(e.reason(), "the assertion names a service client as its issuer, and"
                        + " its key is not one the service registered; a certificate chain (x5c) does not make a device"
                        + " of a service's id");
            }
            throw e;
        }
    }

    /** Every grant when nothing is requested; else exactly the requested entries, each covered by a grant. */
    static String[] granted(ServiceClient service, String scope) throws TokenRejectedException {
        if (scope == null || scope.isBlank()) {
            return service.grants().stream().map(TopicGrant::scope).toArray(String[]::new);
        }
        String[] entries = scope.trim().split("\\s+");
        if (entries.length > MAX_REQUESTED) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                    "at most " + MAX_REQUESTED + " scope entries may be requested");
        }
        Set<String> out = new LinkedHashSet<>();
        for (String entry : entries) {
            TopicGrant requested;
            try {
                requested = TopicGrant.parse(entry);
            } catch (IllegalArgumentException e) {
                throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                        "a service's scope entries are pub:<filter> or sub:<filter> within its grants");
            }
            if (!service.grants(requested)) {
                throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                        "requested scope " + requested.scope() + " is beyond the service's grants");
            }
            out.add(requested.scope());
        }
        return out.toArray(String[]::new);
    }

    /** The unverified {@code iss} and header {@code kid} of an assertion. */
    private record Peek(String issuer, String kid, boolean chain) { }

    private static Optional<Peek> peek(String assertion) {
        if (assertion == null || assertion.length() > MAX_ASSERTION_CHARS) {
            return Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(assertion);
            String iss = jwt.getJWTClaimsSet().getIssuer();
            return iss == null ? Optional.empty() : Optional.of(new Peek(iss, jwt.getHeader().getKeyID(),
                    jwt.getHeader().getX509CertChain() != null));
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
