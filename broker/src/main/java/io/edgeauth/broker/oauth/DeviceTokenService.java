package io.edgeauth.broker.oauth;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.SubjectBlocks;
import io.edgeauth.broker.token.ClientAssertion;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.DecodedAssertion;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Issues device access tokens for the {@code client_credentials} grant with an RFC 7523 client
 * assertion; the HTTP {@code /oauth/token} and the CoAP {@code /token} endpoints both call it. The
 * claims come from the registry, never from the request: tenant, {@code geo} narrowed to the device's
 * region cells, {@code cnf} (the registered key's RFC 7638 thumbprint or certificate thumbprint) and
 * {@code owner}. A requested scope may only name the scopes the device's tenant allows
 * ({@code tenants[].selfServiceScopes}); topic grants are never self-service. Thread-safe.
 */
public final class DeviceTokenService {
    private final ClientAssertionVerifier assertions;
    private final DeviceRegistry registry;
    private final DeviceTokenIssuance issuance;

    public DeviceTokenService(ClientAssertionVerifier assertions, DeviceRegistry registry, TokenIssuer issuer,
                              SubjectBlocks blocks, Function<String, Set<String>> selfServiceScopes,
                              List<String> audiences, String regionName, AuditLog audit, MeterRegistry meters) {
        this.assertions = assertions;
        this.registry = registry;
        this.issuance = new DeviceTokenIssuance(issuer, blocks, selfServiceScopes, audiences, regionName, audit,
                meters, registry::current);
    }

    /**
     * Bounds the tokens issued per authenticated device (config {@code tokenRequests}); call once, at start-up.
     * Returns this.
     */
    public DeviceTokenService limitedBy(io.edgeauth.broker.policy.rate.TokenRequestLimits limits) {
        issuance.limitedBy(limits);
        return this;
    }

    /**
     * @param assertion   the client assertion JWT
     * @param format      JWT or CWT
     * @param scope       requested scope (space-separated) or null
     * @param channel     where the request came from, for audit ({@code http}, {@code coap})
     */
    public IssuedToken issue(String assertion, TokenFormat format, String scope, TokenChannel channel)
            throws TokenRejectedException {
        return issue(assertion, format, scope, channel, null);
    }

    /**
     * As above, for a registered resource server ({@code audience}, checked by the caller with
     * {@link #isResourceServer}) instead of the broker's own audience; null for the broker's.
     */
    public IssuedToken issue(String assertion, TokenFormat format, String scope, TokenChannel channel, String audience)
            throws TokenRejectedException {
        Map<String, Object> fields = fields(channel);
        return issueAudited(fields, format, scope, audience, null,
                () -> registered(assertions.verify(assertion, keys), fields));
    }

    /**
     * As above, for an assertion the caller has already read ({@link ClientAssertionVerifier#decode}), of a device
     * the fleet CA {@code fleetCa} provisioned (null: none), named in the token's {@code fleet_ca}.
     */
    public IssuedToken issue(DecodedAssertion assertion, TokenFormat format, String scope, TokenChannel channel,
                             String audience, String fleetCa) throws TokenRejectedException {
        Map<String, Object> fields = fields(channel);
        fields.put("client_id", assertion.issuer()); // claimed: a refusal names it too (the verified one replaces it)
        return issueAudited(fields, format, scope, audience, fleetCa,
                () -> registered(assertions.verify(assertion, keys), fields));
    }

    private Proven registered(ClientAssertion verified, Map<String, Object> fields) throws TokenRejectedException {
        fields.put("client_id", verified.clientId());
        return new Proven(registered(verified.clientId()), verified.keyThumbprint());
    }

    /** RFC 7523 §2.2's {@code client_assertion_type}: the only way a JWT client assertion may be declared. */
    public static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /** Why a device's request for a resource server's token is refused: the OAuth error code and its description. */
    public record TargetRefusal(String error, String description) { }

    /**
     * {@code invalid_target} for a token bound to a client certificate ({@code tls_client_auth}, CoAP over DTLS with
     * a certificate): it is for this broker only, whichever endpoint is asked.
     */
    public static final TargetRefusal CERTIFICATE_TOKEN_TARGET = new TargetRefusal("invalid_target",
            "a token for a client certificate is for this broker only: no audience or resource");

    /** {@code invalid_target} (RFC 8707 §2): not one registered resource server, or not asked for by a device. */
    public static final TargetRefusal NOT_ONE_RESOURCE_SERVER = new TargetRefusal("invalid_target",
            "audience (or resource) must name one registered resource server, and only for a device");

    /**
     * Why a device may not have a token for {@code audience} in {@code format}, or null when it may (or asks for the
     * broker's own, null): one rule for every token endpoint that takes an audience, so CoAP's {@code /token} refuses
     * what {@code /oauth/token} refuses. Not a registered resource server: {@code invalid_target} (RFC 8707 §2); a
     * format the resource server cannot read (it verifies a JWT by the broker's JWKS): {@code invalid_request}.
     */
    public TargetRefusal targetRefusal(String audience, TokenFormat format) {
        if (audience == null) {
            return null;
        }
        if (!isResourceServer(audience)) {
            return NOT_ONE_RESOURCE_SERVER;
        }
        if (format != TokenFormat.JWT && format != TokenFormat.JWE) {
            return new TargetRefusal("invalid_request", "a token for a resource server is jwt or jwe");
        }
        return null;
    }

    /** Whether a device may ask for a token for {@code audience}: a registered resource server. */
    public boolean isResourceServer(String audience) {
        return issuance.isResourceServer(audience);
    }

    /**
     * A token for a device registered by certificate ({@code x5tS256}) that proved possession of it in a
     * TLS/DTLS handshake (RFC 8705 / RFC 9202 style client authentication); bound to it by
     * {@code cnf x5t#S256}.
     *
     * @param clientId              the device id the client names
     * @param certificateThumbprint {@code x5t#S256} of the verified client certificate of the channel
     * @throws TokenRejectedException BINDING_MISMATCH when the id is unknown, not registered by certificate or
     *     registered with another certificate (one answer for all three); REVOKED while blocked
     */
    public IssuedToken issueForCertificate(String clientId, String certificateThumbprint, TokenFormat format,
                                           String scope, TokenChannel channel) throws TokenRejectedException {
        Map<String, Object> fields = fields(channel);
        fields.put("auth", "client_certificate");
        fields.put("client_id", clientId);
        return issueAudited(fields, format, scope, null, null, () -> {
            Device device = clientId == null ? null : registry.find(clientId).orElse(null);
            if (device == null || device.credential().type() != Device.CredentialType.X5T_S256
                    || certificateThumbprint == null || !device.credential().value().equals(certificateThumbprint)) {
                throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                        "the client certificate is not the one registered for this client_id");
            }
            return new Proven(device, null);
        });
    }

    /**
     * RFC 8705 {@code tls_client_auth} for a device whose certificate chain the caller validated (a fleet CA's,
     * whose leaf key is the device's registered key) and whose key the TLS handshake proved: the token is bound
     * to that certificate ({@code cnf x5t#S256}, RFC 8705 §3), so it is only accepted with it on a TLS channel, and
     * names the CA that validated the chain ({@code fleet_ca}).
     */
    public IssuedToken issueForValidatedCertificate(String deviceId, String certificateThumbprint, TokenFormat format,
                                                    String scope, TokenChannel channel, String fleetCa)
            throws TokenRejectedException {
        Map<String, Object> fields = fields(channel);
        fields.put("auth", "tls_client_auth");
        fields.put("client_id", deviceId);
        try {
            return issuance.issue(registered(deviceId), new io.edgeauth.broker.token.Confirmation(certificateThumbprint,
                    null), format, scope, "client_credentials", fields, null, fleetCa);
        } catch (TokenRejectedException e) {
            issuance.refused(e, "client_credentials", fields);
            throw e;
        }
    }

    /**
     * Issues for a device that proved itself another way (an enrollment group's client_secret_jwt): the
     * claims still come from the registry.
     */
    public IssuedToken issueVerified(ClientAssertion verified, TokenFormat format, String scope, TokenChannel channel)
            throws TokenRejectedException {
        return issueVerified(verified, format, scope, channel, null, null);
    }

    /**
     * As above, for a registered resource server's {@code audience} (null: the broker's own), naming in
     * {@code fleet_ca} the fleet CA that vouched for the device ({@code fleetCa}, null: none).
     */
    public IssuedToken issueVerified(ClientAssertion verified, TokenFormat format, String scope, TokenChannel channel,
                                     String audience, String fleetCa) throws TokenRejectedException {
        Map<String, Object> fields = fields(channel);
        fields.put("client_id", verified.clientId());
        return issueAudited(fields, format, scope, audience, fleetCa,
                () -> new Proven(registered(verified.clientId()), verified.keyThumbprint()));
    }

    /** Finds the device that authenticated (however it did), then issues; a refusal at either step is audited. */
    private IssuedToken issueAudited(Map<String, Object> fields, TokenFormat format, String scope, String audience,
                                     String fleetCa, Authenticated who) throws TokenRejectedException {
        try {
            if (audience != null) {
                fields.put("aud", audience);
            }
            Proven proven = who.proven();
            return issuance.issue(proven.device(), DeviceTokenIssuance.confirmation(proven.device(), proven.keyThumbprint()),
                    format, scope, "client_credentials", fields, audience, fleetCa);
        } catch (TokenRejectedException e) {
            issuance.refused(e, "client_credentials", fields);
            throw e;
        }
    }

    private static Map<String, Object> fields(TokenChannel channel) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", "client_credentials");
        fields.put("channel", channel.name());
        fields.put("remote", channel.remote());
        return fields;
    }

    /**
     * REVOKED while an operator's subject revocation of {@code deviceId} holds: asked before a record is created on
     * first use, so a blocked id is not registered again only to be refused its token.
     */
    public void requireNotBlocked(String deviceId) throws TokenRejectedException {
        issuance.checkNotBlocked(deviceId);
    }

    /**
     * Audits ({@code token.refused}) and counts a device grant refused by a step in front of this service (zero-touch
     * enrollment), unless that refusal is audited already: one refusal, one event.
     */
    public void refused(TokenRejectedException e, TokenChannel channel, String auth, String claimedClientId) {
        if (e.isAudited()) {
            return;
        }
        Map<String, Object> fields = fields(channel);
        if (auth != null) {
            fields.put("auth", auth);
        }
        fields.put("client_id", claimedClientId);
        issuance.refused(e, "client_credentials", fields);
    }

    private Device registered(String clientId) throws TokenRejectedException {
        return registry.find(clientId).orElseThrow(() ->
                TokenRejectedException.unknownClient("device is not registered")); // answered as a forgery
    }

    /** The device a client authentication step proved, or the refusal. */
    @FunctionalInterface
    private interface Authenticated {
        Proven proven() throws TokenRejectedException;
    }

    /** A device that authenticated, and the RFC 7638 thumbprint of the key it proved (null: it proved none). */
    private record Proven(Device device, String keyThumbprint) {
    }

    /**
     * Client authentication without issuing anything (the token-exchange grant): the registered device whose
     * key signed the RFC 7523 assertion (its {@code jti} is spent like any other).
     *
     * @throws TokenRejectedException as {@link #issue}, REVOKED while the device's subject revocation holds, and
     *     RATE_LIMITED over the device's token budget
     */
    public Device authenticate(String assertion) throws TokenRejectedException {
        ClientAssertion verified = assertions.verify(assertion, keys);
        Device device = registered(verified.clientId());
        issuance.checkNotBlocked(device);
        issuance.takeIssuance(device); // an exchange issues a token to this client too
        return device;
    }

    /** The registered keys, and why a registered device has none (it authenticates with another credential). */
    private final ClientAssertionVerifier.DeviceKeys keys = new ClientAssertionVerifier.DeviceKeys() {
        @Override
        public Optional<JWK> publicKey(String deviceId) {
            return DeviceTokenService.this.publicKey(deviceId);
        }

        @Override
        public String withoutKey(String deviceId) {
            return registry.find(deviceId).map(d -> withoutKey(d.credential().type())).orElse(null);
        }

        private static String withoutKey(Device.CredentialType type) {
            return switch (type) {
                case JWK -> null; // a key that does not parse: as unregistered
                case X5T_S256 -> "the client is registered by certificate (x5tS256), not by a key: it authenticates with "
                        + "its client certificate (tls_client_auth over mutual TLS, or DTLS)";
                case ETH_ADDRESS -> "the client is registered by Ethereum address, not by a key: it authenticates with a "
                        + "signed challenge (GET /device/eth-challenge, POST /device/eth-login)";
                case ENROLLMENT_GROUP -> "the client is registered by its enrollment group, not by a key: it authenticates "
                        + "with an assertion MACed with its group-derived secret (client_secret_jwt)";
                default -> "the client is registered by " + type.name().toLowerCase(java.util.Locale.ROOT) + ", not by a key";
            };
        }
    };

    private Optional<JWK> publicKey(String deviceId) {
        return registry.find(deviceId)
                .filter(d -> d.credential().type() == Device.CredentialType.JWK)
                .flatMap(d -> {
                    try {
                        return Optional.of(JWK.parse(d.credential().value()));
                    } catch (ParseException e) {
                        return Optional.empty();
                    }
                });
    }
}
