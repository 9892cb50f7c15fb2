package io.edgeauth.broker.oauth;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.token.ClientAssertion;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenRejectedException;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Issues device access tokens for the {@code client_credentials} grant with an RFC 7523 client
 * assertion; the HTTP {@code /oauth/token} and the CoAP {@code /token} endpoints both call it. The
 * claims come from the registry, never from the request: tenant, {@code geo} narrowed to the device's
 * region cells, {@code cnf} (the registered key's RFC 7638 thumbprint or certificate thumbprint) and
 * {@code owner}. A requested scope may only name plain OAuth scopes; topic grants are not
 * self-service. Thread-safe.
 */
public final class DeviceTokenService {
    private final ClientAssertionVerifier assertions;
    private final DeviceRegistry registry;
    private final DeviceTokenIssuance issuance;

    public DeviceTokenService(ClientAssertionVerifier assertions, DeviceRegistry registry, TokenIssuer issuer,
                              List<String> audiences, String regionName, AuditLog audit, MeterRegistry meters) {
        this.assertions = assertions;
        this.registry = registry;
        this.issuance = new DeviceTokenIssuance(issuer, audiences, regionName, audit, meters);
    }

    /**
     * @param assertion   the client assertion JWT
     * @param format      JWT or CWT
     * @param scope       requested scope (space-separated) or null
     * @param channel     where the request came from, for audit ({@code http}, {@code coap})
     */
    public IssuedToken issue(String assertion, TokenFormat format, String scope, String channel)
            throws TokenRejectedException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", "client_credentials");
        fields.put("channel", channel);
        try {
            ClientAssertion verified = assertions.verify(assertion, this::publicKey);
            fields.put("client_id", verified.clientId());
            Device device = registry.find(verified.clientId()).orElseThrow(() ->
                    new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE, "device is not registered"));
            return issuance.issue(device, format, scope, "client_credentials", fields);
        } catch (TokenRejectedException e) {
            issuance.refused(e, "client_credentials", fields);
            throw e;
        }
    }

    /**
     * Issues for a device that proved itself another way (an enrollment group's client_secret_jwt): the
     * claims still come from the registry.
     */
    public IssuedToken issueVerified(ClientAssertion verified, TokenFormat format, String scope, String channel)
            throws TokenRejectedException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", "client_credentials");
        fields.put("channel", channel);
        fields.put("client_id", verified.clientId());
        try {
            Device device = registry.find(verified.clientId()).orElseThrow(() ->
                    new TokenRejectedException(RejectionReason.UNKNOWN_DEVICE, "device is not registered"));
            return issuance.issue(device, format, scope, "client_credentials", fields);
        } catch (TokenRejectedException e) {
            issuance.refused(e, "client_credentials", fields);
            throw e;
        }
    }

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

    /** Requested scopes minus topic grants ({@code pub:}, {@code sub:}), which only an operator can give. */
    static String[] plainScopes(String scope) {
        return DeviceTokenIssuance.plainScopes(scope);
    }
}
