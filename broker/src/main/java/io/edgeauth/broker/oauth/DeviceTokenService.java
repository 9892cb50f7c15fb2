package io.edgeauth.broker.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.token.ClientAssertion;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenRejectedException;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.util.Arrays;
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
    private final TokenIssuer issuer;
    private final List<String> audiences;
    private final String regionName;
    private final AuditLog audit;
    private final MeterRegistry meters;

    public DeviceTokenService(ClientAssertionVerifier assertions, DeviceRegistry registry, TokenIssuer issuer,
                              List<String> audiences, String regionName, AuditLog audit, MeterRegistry meters) {
        this.assertions = assertions;
        this.registry = registry;
        this.issuer = issuer;
        this.audiences = List.copyOf(audiences);
        this.regionName = regionName == null || regionName.isEmpty() ? null : regionName;
        this.audit = audit;
        this.meters = meters;
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
            TokenClaims.Builder claims = TokenClaims.builder(device.tenant(), device.id())
                    .audience(audiences.toArray(String[]::new))
                    .scope(plainScopes(scope))
                    .geo(device.region().toArray(String[]::new))
                    .cnf(confirmation(device))
                    .owner(device.owner());
            if (regionName != null) {
                claims.region(regionName);
            }
            IssuedToken token = issuer.issue(claims.build(), format);
            fields.put("format", format.name().toLowerCase());
            fields.put("kid", token.kid());
            fields.put("token", io.edgeauth.broker.token.Fingerprints.of(token.bytes()));
            audit.record("token.issued", "ok", fields);
            meters.counter("edgeauth.tokens.issued", "grant", "client_credentials", "format",
                    format.name().toLowerCase()).increment();
            return token;
        } catch (TokenRejectedException e) {
            fields.put("detail", e.getMessage());
            audit.record("token.refused", e.reason().code(), fields);
            meters.counter("edgeauth.tokens.refused", "grant", "client_credentials", "reason", e.reason().code())
                    .increment();
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

    private static Confirmation confirmation(Device device) {
        switch (device.credential().type()) {
            case X5T_S256:
                return new Confirmation(device.credential().value(), null);
            case JWK:
                try {
                    return new Confirmation(null,
                            JWK.parse(device.credential().value()).computeThumbprint().toString());
                } catch (ParseException | JOSEException e) {
                    return Confirmation.NONE;
                }
            default:
                return Confirmation.NONE;
        }
    }

    /** Requested scopes minus topic grants ({@code pub:}, {@code sub:}), which only an operator can give. */
    static String[] plainScopes(String scope) {
        if (scope == null || scope.isBlank()) {
            return new String[0];
        }
        return Arrays.stream(scope.trim().split("\\s+"))
                .filter(s -> s.indexOf(':') < 0 && s.length() <= 64)
                .limit(32)
                .toArray(String[]::new);
    }
}
