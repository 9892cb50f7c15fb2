package io.edgeauth.broker.provisioning;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.oauth.DeviceTokenService;
import io.edgeauth.broker.oauth.TokenChannel;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceCreation;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.ClientAssertion;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.DecodedAssertion;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenFormat;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
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
 * without {@code x5c}; a newer certificate of that CA for a new key re-keys its record (a renewal). An HS256 {@code client_secret_jwt} whose {@code kid} names an enrollment group
 * enrolls its device the same way once the MAC verifies with HKDF(group secret, device id). Thread-safe; blocks for store commits (call it off event loops).
 */
public final class DeviceEnrollment {
    static final String PROVISIONED_BY = "provisioned-by";

    private final FleetCas fleetCas;
    private final EnrollmentGroups groups;
    private final Map<String, BrokerConfig.Template> templates;
    private final DeviceRegistry registry;
    private final DeviceValidator validator;
    private final ClientAssertionVerifier assertions;
    private final DeviceTokenService devices;
    private final Store store;
    private final AuditLog audit;
    private final CertificateRenewals renewals;

    public DeviceEnrollment(FleetCas fleetCas, EnrollmentGroups groups, Map<String, BrokerConfig.Template> templates, DeviceRegistry registry,
                            DeviceValidator validator, ClientAssertionVerifier assertions, DeviceTokenService devices,
                            Store store, AuditLog audit) {
        this.fleetCas = fleetCas;
        this.groups = groups;
        this.templates = Map.copyOf(templates);
        this.registry = registry;
        this.validator = validator;
        this.assertions = assertions;
        this.devices = devices;
        this.store = store;
        this.audit = audit;
        this.renewals = new CertificateRenewals(registry, store, audit);
    }

    /** {@code client_credentials} with a client assertion (plain, or with {@code x5c} for zero-touch). */
    public IssuedToken issue(String assertion, TokenFormat format, String scope, TokenChannel channel)
            throws TokenRejectedException {
        return issue(assertion, format, scope, channel, null);
    }

    /** Why a device may not have a token for {@code audience} in {@code format}; null when it may. */
    public io.edgeauth.broker.oauth.DeviceTokenService.TargetRefusal targetRefusal(String audience, TokenFormat format) {
        return devices.targetRefusal(audience, format);
    }

    /** As above, for a registered resource server's {@code audience} (null: the broker's own). */
    public IssuedToken issue(String assertion, TokenFormat format, String scope, TokenChannel channel, String audience)
            throws TokenRejectedException {
        DecodedAssertion decoded;
        try {
            decoded = ClientAssertionVerifier.decode(assertion);
        } catch (TokenRejectedException e) {
            return devices.issue(assertion, format, scope, channel, audience); // refused there with its precise reason
        }
        try {
            if (decoded.algorithm() == TokenAlgorithm.HS256) {
                return enrollByGroup(decoded, format, scope, channel, audience);
            }
            List<X509Certificate> chain = AssertionChain.certificates(decoded.x5c());
            String fleetCa = null; // the CA this token's trust rests on: withdrawing it revokes the token
            if (!chain.isEmpty()) {
                CertificateEnrollment enrolled = enrollByCertificate(decoded, chain, channel);
                if (enrolled.verified() != null) { // verified (jti spent) when its record was created: not again
                    return devices.issueVerified(enrolled.verified(), format, scope, channel, audience,
                            enrolled.ca().id());
                }
                fleetCa = enrolled.ca().id();
            } else if (decoded.issuer() != null) {
                fleetCa = checkProvisioner(decoded.issuer()).orElse(null);
            }
            return devices.issue(decoded, format, scope, channel, audience, fleetCa);
        } catch (TokenRejectedException e) {
            devices.refused(e, channel, null, decoded.issuer()); // unless the token service audited it already
            throw e;
        }
    }

    /**
     * RFC 8705 {@code tls_client_auth}: {@code client_credentials} authenticated by the client certificate of the
     * HTTPS listener's handshake (which proved possession of its key), {@code client_id} = the device id
     * (§2.1.1). A device registered by certificate thumbprint ({@code x5tS256}) must present exactly that
     * certificate; otherwise the chain must lead to a tenant's fleet CA and is validated and enrolls its device
     * on first use exactly as an {@code x5c} assertion does. The token is bound to the certificate
     * ({@code cnf x5t#S256}, §3).
     *
     * @param chain the verified peer chain, leaf first
     */
    public IssuedToken issueForClientCertificate(String clientId, List<X509Certificate> chain, TokenFormat format,
                                                 String scope, TokenChannel channel) throws TokenRejectedException {
        String x5t = com.nimbusds.jose.util.X509CertUtils.computeSHA256Thumbprint(chain.get(0)).toString();
        Optional<Device> existing = registry.find(clientId);
        if (existing.isPresent() && existing.get().credential().type() == Device.CredentialType.X5T_S256) {
            return devices.issueForCertificate(clientId, x5t, format, scope, channel); // audits its refusals
        }
        FleetCa ca;
        try {
            ca = fleetCas.validate(chain);
            String id = deviceIdOf(chain.get(0), ca);
            if (!id.equals(clientId)) {
                throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH,
                        "client_id is not the device id the certificate names");
            }
            JWK key = leafKey(chain.get(0));
            boolean sameKey = existing.isPresent() && sameKey(existing.get(), key);
            if (existing.isPresent() && !sameKey && renewsKey(existing.get(), ca, chain.get(0))) {
                renewals.rekey(existing.get(), key, ca, chain.get(0), channel); // the handshake proved possession of the new key
            } else if (existing.isPresent()) {
                requireSameKey(existing.get(), sameKey, ca);
                followCertificate(id, ca, chain.get(0), key);
                checkProvisioner(id);
            } else {
                provision(id, ca, chain.get(0), key, channel); // the handshake's CertificateVerify proved possession
            }
        } catch (TokenRejectedException e) {
            devices.refused(e, channel, "tls_client_auth", clientId);
            throw e;
        }
        return devices.issueForValidatedCertificate(clientId, x5t, format, scope, channel, ca.id());
    }

    /**
     * Client authentication without issuing anything (the token-exchange grant): the registered device whose
     * key signed the assertion; see {@link DeviceTokenService#authenticate}.
     */
    public Device authenticate(String assertion) throws TokenRejectedException {
        Device device = devices.authenticate(assertion);
        checkProvisioner(device.id()); // a withdrawn CA's device takes no part in an exchange either
        return device;
    }

    /** RFC 7523 §2.2 client_secret_jwt keyed by HKDF(group secret, device id); {@code kid} names the group. */
    private IssuedToken enrollByGroup(DecodedAssertion assertion, TokenFormat format, String scope,
                                      TokenChannel channel, String audience) throws TokenRejectedException {
        EnrollmentGroups.Group group = groups.group(assertion.kid()).orElseThrow(() -> new TokenRejectedException(
                RejectionReason.UNKNOWN_KEY, "an HS256 client assertion's kid must name an enrollment group"));
        // the MAC first: whether an id is registered, and with what, is told only to a holder of its group-derived
        // key (checked before it, any forged MAC told registered ids, of every tenant, from free ones: tour L, L1)
        ClientAssertionVerifier.SpentLater spending = assertions.verifySecretJwtSpendingLater(assertion,
                id -> Optional.of(EnrollmentGroups.deviceSecret(group, id)));
        ClientAssertion verified = spending.assertion();
        Optional<Device> existing = registry.find(verified.clientId());
        if (existing.isPresent() && !isMember(existing.get(), group)) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    "device is registered with another credential than this enrollment group");
        }
        if (existing.isEmpty() && !group.admits(verified.clientId())) {
            // device ids are one namespace for every tenant: a group's secret must not claim ids meant for others
            throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                    "the device id is outside the enrollment group's idPattern");
        }
        if (existing.isEmpty()) {
            // a blocked id (a stolen device whose record was deleted) is not registered again only to be refused its
            // token: before, the record came back, audited device.provisioned ok (tour L, L4)
            devices.requireNotBlocked(verified.clientId());
            Device device = fromTemplate(verified.clientId(), group.tenant(), group.template(),
                    new Device.Credential(Device.CredentialType.ENROLLMENT_GROUP, group.id()));
            Optional<Device> raced = create(device);
            if (raced.isPresent() && !isMember(raced.get(), group)) {
                throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                        "device is registered with another credential than this enrollment group");
            }
            if (raced.isEmpty()) {
                audit.record("device.provisioned", "ok", Map.of("device", device.id(), "tenant", group.tenant(),
                        "enrollmentGroup", group.id(), "template", group.template(), "channel", channel.name()));
            }
        }
        await(spending.spent()); // with the record's commit when this request created it
        return devices.issueVerified(verified, format, scope, channel, audience, null);
    }

    private static boolean isMember(Device d, EnrollmentGroups.Group group) {
        return d.tenant().equals(group.tenant()) && d.credential().type() == Device.CredentialType.ENROLLMENT_GROUP
                && d.credential().value().equals(group.id());
    }

    /**
     * A chain that validated, by {@code ca}: {@code verified} is the assertion already verified (a new or re-keyed
     * device), or null for a device already registered with the leaf's key (verified by the ordinary grant).
     */
    private record CertificateEnrollment(FleetCa ca, ClientAssertion verified) {
    }

    /**
     * Validates the chain; for a device new to the registry, verifies the assertion with the leaf's key (proof
     * of possession, its jti spent) and creates the record.
     */
    private CertificateEnrollment enrollByCertificate(DecodedAssertion assertion, List<X509Certificate> chain,
                                                          TokenChannel channel)
            throws TokenRejectedException {
        FleetCa ca = fleetCas.validate(chain);
        X509Certificate leaf = chain.get(0);
        String id = deviceIdOf(leaf, ca);
        if (assertion.issuer() != null && !assertion.issuer().equals(id)) {
            throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, "the certificate names device '" + id
                    + "' (rule " + ca.deviceIdRule().configName() + "), the assertion's iss is '"
                    + io.edgeauth.broker.refusal.ClientText.cut(assertion.issuer(), 128) + "'");
        }
        JWK key = leafKey(leaf);
        Optional<Device> existing = registry.find(id);
        boolean sameKey = existing.isPresent() && sameKey(existing.get(), key);
        if (existing.isPresent() && !sameKey && renewsKey(existing.get(), ca, leaf)) {
            ClientAssertion verified = assertions.verify(assertion, id, key, leaf.getPublicKey()); // the new key's proof
            renewals.rekey(existing.get(), key, ca, leaf, channel);
            return new CertificateEnrollment(ca, verified);
        }
        if (existing.isPresent()) {
            requireSameKey(existing.get(), sameKey, ca);
            followCertificate(id, ca, leaf, key);
            return new CertificateEnrollment(ca, null);
        }
        // proof of possession before anything is written: the assertion must verify with the leaf's key;
        // verified once, its jti spent here (a refusal below leaves only a spent jti behind), durable with the record
        ClientAssertionVerifier.SpentLater verified = assertions.verifySpendingLater(assertion, id, key,
                leaf.getPublicKey());
        provision(id, ca, leaf, key, channel);
        await(verified.spent());
        return new CertificateEnrollment(ca, verified.assertion());
    }

    private static String deviceIdOf(X509Certificate leaf, FleetCa ca) throws TokenRejectedException {
        return ca.deviceIdRule().deviceId(leaf).orElseThrow(() -> new TokenRejectedException(
                RejectionReason.MALFORMED, "certificate names no device id under rule " + ca.deviceIdRule().configName()));
    }

    /**
     * Creates the record (atomically, on every node) and only then, when this request created it, the mark: a request
     * that lost the race to an admin, another certificate or another tenant's CA writes nothing, so its CA never
     * becomes the provisioner of a record it did not create (which would let a newer certificate of that CA re-key it,
     * or that CA's withdrawal and CRL govern it), and the mark names the certificate whose key the record holds.
     */
    private void provision(String id, FleetCa ca, X509Certificate leaf, JWK key, TokenChannel channel)
            throws TokenRejectedException {
        Device device = fromTemplate(id, ca.tenant(), ca.template(), null, key);
        byte[] mark = CertificateMark.of(ca, leaf, key).encode();
        // the mark is written once this request is known to create the record, in the same commit where the store
        // groups commits (one wait for both, not two)
        Optional<Device> raced = create(device, () -> store.putAsync(PROVISIONED_BY, id, mark, null));
        if (raced.isPresent()) {
            requireSameKey(raced.get(), sameKey(raced.get(), key), ca); // another request enrolled it first
            return;
        }
        audit.record("device.provisioned", "ok", Map.of("device", id, "tenant", ca.tenant(), "fleetCa", ca.id(),
                "template", ca.template(), "channel", channel.name()));
    }

    /** Creates the record unless any node has the id (empty), else the record there; refused if a service has it. */
    private Optional<Device> create(Device device) throws TokenRejectedException {
        return create(device, () -> CompletableFuture.completedFuture(null));
    }

    /** As above, with a write that goes with the record when this request creates it ({@link DeviceCreation}). */
    private Optional<Device> create(Device device, java.util.function.Supplier<CompletableFuture<?>> alongside)
            throws TokenRejectedException {
        DeviceCreation.Result created;
        try {
            created = new DeviceCreation(registry, validator::takenByAnotherKind).create(device, alongside);
        } catch (RuntimeException e) {
            throw new TokenRejectedException(RejectionReason.ofFailure(e), "store write failed");
        }
        if (created.outcome() == DeviceCreation.Outcome.TAKEN_BY_ANOTHER_KIND) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN, "device id cannot be registered: a service has it");
        }
        return Optional.ofNullable(created.existing());
    }

    private Device fromTemplate(String id, String tenant, String template, Device.Credential credential)
            throws TokenRejectedException {
        return fromTemplate(id, tenant, template, credential, null);
    }

    /** A new device's record: the id checked like an admin registration, the rest from the template. */
    private Device fromTemplate(String id, String tenant, String template, Device.Credential credential, JWK key)
            throws TokenRejectedException {
        BrokerConfig.Template t = templates.getOrDefault(template, new BrokerConfig.Template(null, null, null));
        Map<String, Object> body = new HashMap<>();
        body.put("id", id);
        body.put("tenant", tenant);
        if (key != null) {
            body.put("jwk", key); // already built from the certificate: not serialized to be parsed again
        } else {
            body.put("x5tS256", "A".repeat(43)); // validated shape only; replaced by the group credential below
        }
        body.put("region", t.region());
        if (t.ratePlan() != null) {
            body.put("ratePlan", t.ratePlan());
        }
        if (t.owner() != null) {
            body.put("owner", t.owner());
        }
        try {
            Device d = validator.validate(body);
            return credential == null ? d
                    : new Device(d.id(), d.tenant(), credential, d.region(), d.ratePlan(), d.owner(), d.createdAt());
        } catch (IllegalArgumentException e) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN, "device id cannot be registered: " + e.getMessage());
        }
    }

    private static <T> T await(CompletableFuture<T> durable) throws TokenRejectedException {
        try {
            return durable.join();
        } catch (CompletionException e) {
            throw new TokenRejectedException(RejectionReason.ofFailure(e), "store write failed");
        }
    }

    /** Whether the device's record holds {@code key}. */
    private static boolean sameKey(Device existing, JWK key) {
        return existing.credential().type() == Device.CredentialType.JWK
                && CertificateMark.thumbprint(existing.credential().value()).equals(CertificateMark.thumbprint(key));
    }

    private void requireSameKey(Device existing, boolean sameKey, FleetCa ca) throws TokenRejectedException {
        if (!existing.tenant().equals(ca.tenant())) {
            throw new TokenRejectedException(RejectionReason.WRONG_TENANT, "device belongs to another tenant");
        }
        if (!sameKey) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                    "device is registered with another key than its certificate's");
        }
    }

    /**
     * Whether {@code leaf} (its chain validated, its key not the record's) renews the device's certificate with a new
     * key: the device was provisioned by this same CA, its record holds a key, and the certificate was issued after the one the
     * record's key came from. A renewal with a new key is how fleets rotate device keys (EST re-enrollment, a
     * factory re-certification); the CA that vouched for the first key vouches for the next. An older certificate
     * never takes the record back to an older key, a device registered by an admin or another CA is never re-keyed,
     * and a mark without the certificate's date (written before 2026-12-06) first has to follow a current chain.
     */
    private boolean renewsKey(Device existing, FleetCa ca, X509Certificate leaf) {
        if (!existing.tenant().equals(ca.tenant()) || existing.credential().type() != Device.CredentialType.JWK) {
            return false;
        }
        Optional<CertificateMark> mark = store.get(PROVISIONED_BY, existing.id()).flatMap(CertificateMark::parse);
        return mark.isPresent() && mark.get().caId().equals(ca.id()) && mark.get().vouchesFor(existing)
                && mark.get().olderThan(leaf);
    }

    /**
     * A device a fleet CA provisioned gets no more tokens once that CA is withdrawn, or once the CA's CRL lists the
     * certificate whose key the device registered. Returns that CA's id, or empty for a device no CA provisioned.
     */
    private Optional<String> checkProvisioner(String deviceId) throws TokenRejectedException {
        Optional<CertificateMark> mark = store.get(PROVISIONED_BY, deviceId).flatMap(CertificateMark::parse);
        // a mark of a key the record no longer holds (deleted and registered again, re-keyed by an admin) is no one's
        if (mark.isEmpty() || !mark.get().vouchesFor(registry.find(deviceId).orElse(null))) {
            return Optional.empty();
        }
        Optional<FleetCa> ca = fleetCas.activeCa(mark.get().caId());
        if (ca.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.REVOKED,
                    "fleet CA '" + mark.get().caId() + "' that provisioned this device was withdrawn");
        }
        if (mark.get().listedBy(ca.get())) {
            throw new TokenRejectedException(RejectionReason.REVOKED, "the certificate this device was provisioned with "
                    + "is listed in the CRL of fleet CA '" + ca.get().id() + "'");
        }
        // a chain through an intermediate that the CA's pathlen:0 forbids (provisioned before the check, or before the
        // CA said so): its chain would be refused now, so its plain assertion is too
        if (mark.get().issuer() != null && ca.get().certificate().getBasicConstraints() == 0
                && !mark.get().issuer().equals(ca.get().certificate().getSubjectX500Principal())) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN, "this device was provisioned through an "
                    + "intermediate CA, which fleet CA '" + ca.get().id() + "' (pathlen:0) does not allow");
        }
        return Optional.of(ca.get().id());
    }

    /**
     * A device its CA provisioned showed a chain that validated: its mark follows that certificate (a renewal for the
     * same key, or a mark written before the certificate was kept in it). A chain from another CA changes nothing.
     */
    private void followCertificate(String id, FleetCa ca, X509Certificate leaf, JWK key) throws TokenRejectedException {
        Optional<CertificateMark> kept = store.get(PROVISIONED_BY, id).flatMap(CertificateMark::parse);
        CertificateMark shown = CertificateMark.of(ca, leaf, key);
        // forward only: an older certificate of the same key must not set back the date renewals are ordered by
        if (kept.isPresent() && kept.get().caId().equals(ca.id()) && !kept.get().equals(shown)
                && (kept.get().notBefore() == null || !shown.notBefore().isBefore(kept.get().notBefore()))) {
            await(store.putAsync(PROVISIONED_BY, id, shown.encode(), null));
        }
    }

    /** Only the key itself (kty, crv, x, y / n, e): the record need not repeat the certificate. */
    private static JWK leafKey(X509Certificate leaf) throws TokenRejectedException {
        try {
            // built straight from the key: JWK.parse(certificate) would also encode and hash the certificate
            if (leaf.getPublicKey() instanceof ECPublicKey ec) {
                return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build();
            }
            if (leaf.getPublicKey() instanceof RSAPublicKey rsa) {
                return new RSAKey.Builder(rsa).build();
            }
            return JWK.parse(new HashMap<String, Object>(JWK.parse(leaf).toPublicJWK().getRequiredParams()));
        } catch (JOSEException | java.text.ParseException | RuntimeException e) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "certificate key type not supported");
        }
    }
}
