package io.edgeauth.broker.provisioning;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.oauth.DeviceTokenService;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenRejectedException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The device side of {@code client_credentials}, in front of {@link DeviceTokenService}: an RFC 7523
 * assertion whose {@code x5c} chains to a tenant's fleet CA enrolls its device on first use (zero-touch):
 * the chain is validated, the device id read from the leaf by the CA's rule, possession of the leaf key
 * proven by the assertion's signature, and only then the registry record created from the CA's template
 * (atomically: one record per id, audited {@code device.provisioned}); the token is then issued as for
 * any registered device. A device a CA provisioned is refused once that CA is withdrawn, with or
 * without {@code x5c}. Thread-safe; blocks for store commits (call it off event loops).
 */
public final class DeviceEnrollment {
    static final String PROVISIONED_BY = "provisioned-by";

    private final FleetCas fleetCas;
    private final Map<String, BrokerConfig.Template> templates;
    private final DeviceRegistry registry;
    private final DeviceValidator validator;
    private final ClientAssertionVerifier assertions;
    private final DeviceTokenService devices;
    private final Store store;
    private final AuditLog audit;

    public DeviceEnrollment(FleetCas fleetCas, Map<String, BrokerConfig.Template> templates, DeviceRegistry registry,
                            DeviceValidator validator, ClientAssertionVerifier assertions, DeviceTokenService devices,
                            Store store, AuditLog audit) {
        this.fleetCas = fleetCas;
        this.templates = Map.copyOf(templates);
        this.registry = registry;
        this.validator = validator;
        this.assertions = assertions;
        this.devices = devices;
        this.store = store;
        this.audit = audit;
    }

    /** {@code client_credentials} with a client assertion (plain, or with {@code x5c} for zero-touch). */
    public IssuedToken issue(String assertion, TokenFormat format, String scope, String channel)
            throws TokenRejectedException {
        AssertionHeader header = null;
        try {
            java.util.Optional<AssertionHeader> parsed = AssertionHeader.parse(assertion);
            if (parsed.isEmpty()) {
                return devices.issue(assertion, format, scope, channel); // refused there with its precise reason
            }
            header = parsed.get();
            if (!header.x5c().isEmpty()) {
                enrollByCertificate(assertion, header.x5c(), channel);
            } else if (header.issuer() != null) {
                checkProvisioner(header.issuer());
            }
        } catch (TokenRejectedException e) {
            audit.record("token.refused", e.reason().code(), Map.of("grant", "client_credentials", "channel", channel,
                    "client_id", String.valueOf(header == null ? null : header.issuer()), "detail", e.getMessage()));
            throw e;
        }
        return devices.issue(assertion, format, scope, channel);
    }

    private void enrollByCertificate(String assertion, List<X509Certificate> chain, String channel)
            throws TokenRejectedException {
        FleetCa ca = fleetCas.validate(chain);
        X509Certificate leaf = chain.get(0);
        String id = ca.deviceIdRule().deviceId(leaf).orElseThrow(() -> new TokenRejectedException(
                RejectionReason.MALFORMED, "certificate names no device id under rule " + ca.deviceIdRule().configName()));
        JWK key = leafKey(leaf);
        Optional<Device> existing = registry.find(id);
        if (existing.isPresent()) {
            requireSameKey(existing.get(), key, ca);
            return;
        }
        // proof of possession before anything is written: the assertion must verify with the leaf's key
        assertions.verifyWithoutConsuming(assertion, claimed -> claimed.equals(id) ? Optional.of(key) : Optional.empty());
        provision(id, ca, key, channel);
    }

    private void provision(String id, FleetCa ca, JWK key, String channel) throws TokenRejectedException {
        BrokerConfig.Template t = templates.getOrDefault(ca.template(), new BrokerConfig.Template(null, null, null));
        Map<String, Object> body = new HashMap<>();
        body.put("id", id);
        body.put("tenant", ca.tenant());
        body.put("jwk", key.toJSONObject());
        body.put("region", t.region());
        if (t.ratePlan() != null) {
            body.put("ratePlan", t.ratePlan());
        }
        if (t.owner() != null) {
            body.put("owner", t.owner());
        }
        Device device;
        try {
            device = validator.validate(body);
        } catch (IllegalArgumentException e) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN, "certificate's device id cannot be registered: "
                    + e.getMessage());
        }
        CompletableFuture<Void> marked = store.putAsync(PROVISIONED_BY, id,
                ("ca:" + ca.id()).getBytes(StandardCharsets.UTF_8), null);
        Optional<Device> raced;
        try {
            raced = registry.registerIfAbsent(device).join();
            marked.join();
        } catch (CompletionException e) {
            throw new TokenRejectedException(RejectionReason.INTERNAL_ERROR, "store write failed");
        }
        if (raced.isPresent()) {
            requireSameKey(raced.get(), key, ca); // another request enrolled it first
            return;
        }
        audit.record("device.provisioned", "ok", Map.of("device", id, "tenant", ca.tenant(), "fleetCa", ca.id(),
                "template", ca.template(), "channel", channel));
    }

    private void requireSameKey(Device existing, JWK key, FleetCa ca) throws TokenRejectedException {
        if (!existing.tenant().equals(ca.tenant())) {
            throw new TokenRejectedException(RejectionReason.WRONG_TENANT, "device belongs to another tenant");
        }
        if (existing.credential().type() != Device.CredentialType.JWK
                || !thumbprint(existing.credential().value()).equals(thumbprint(key))) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    "device is registered with another key than its certificate's");
        }
    }

    /** A device a withdrawn fleet CA provisioned gets no more tokens. */
    private void checkProvisioner(String deviceId) throws TokenRejectedException {
        Optional<byte[]> mark = store.get(PROVISIONED_BY, deviceId);
        if (mark.isPresent()) {
            String by = new String(mark.get(), StandardCharsets.UTF_8);
            if (by.startsWith("ca:") && !fleetCas.isActive(by.substring(3))) {
                throw new TokenRejectedException(RejectionReason.REVOKED,
                        "fleet CA '" + by.substring(3) + "' that provisioned this device was withdrawn");
            }
        }
    }

    private static JWK leafKey(X509Certificate leaf) throws TokenRejectedException {
        try {
            // only the key itself (kty, crv, x, y / n, e): the record need not repeat the certificate
            return JWK.parse(new HashMap<String, Object>(JWK.parse(leaf).toPublicJWK().getRequiredParams()));
        } catch (JOSEException | java.text.ParseException | RuntimeException e) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "certificate key type not supported");
        }
    }

    private static String thumbprint(String jwkJson) {
        try {
            return thumbprint(JWK.parse(jwkJson));
        } catch (java.text.ParseException e) {
            return "";
        }
    }

    private static String thumbprint(JWK jwk) {
        try {
            return jwk.computeThumbprint().toString();
        } catch (JOSEException e) {
            return "";
        }
    }
}
