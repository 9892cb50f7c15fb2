package io.edgeauth.broker.telemetry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.registry.Device;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The publish gate's payload signature check: a device's message that carries a signature must carry
 * one made by the device's registered key over exactly this payload ({@link PayloadSignatures}); in a
 * tenant that requires signed telemetry ({@code tenants[].requireSignedTelemetry}) a device's message
 * without one is refused. Refusals are {@code forbidden} (MQTT 0x87, CoAP 4.03). Messages of wallets and
 * services are not checked: they have no registered device key, and a subscriber that checks a
 * forwarded signature does so with the device's key, which such a publisher cannot use.
 *
 * <p>The device's key comes from the registry on every message (an in-memory read), so a key change or
 * a removal takes effect at once; the parsed key is cached by its JWK text. Thread-safe.
 */
public final class SignedTelemetry implements PublishGate.PayloadCheck {
    private static final Set<TokenAlgorithm> SIGNATURE_ALGORITHMS = EnumSet.of(TokenAlgorithm.ES256,
            TokenAlgorithm.EDDSA, TokenAlgorithm.RS256);

    private record DeviceKey(PublicKey key, Set<TokenAlgorithm> algorithms) { }

    private final PayloadSignatures signatures;
    private final Function<String, Optional<Device>> devices;
    private final Set<String> requiringTenants;
    // maintenance on the caller (as in every cache here): no hand-off to the common pool, a thread wake-up, per write burst
    private final Cache<String, Optional<DeviceKey>> keys = Caffeine.newBuilder().maximumSize(100_000)
            .executor(Runnable::run).build();

    /**
     * @param devices          the registry's lookup by device id
     * @param requiringTenants tenants whose devices must sign every message
     */
    public SignedTelemetry(PayloadSignatures signatures, Function<String, Optional<Device>> devices,
                           Set<String> requiringTenants) {
        this.signatures = Objects.requireNonNull(signatures, "signatures");
        this.devices = Objects.requireNonNull(devices, "devices");
        this.requiringTenants = Set.copyOf(requiringTenants);
    }

    @Override
    public PublishGate.Refusal check(String tenant, String device, byte[] payload, String signature) {
        if (device == null) {
            return null;
        }
        if (signature == null) {
            return requiringTenants.contains(tenant)
                    ? refusal("this tenant requires signed telemetry: sign the payload (" + PayloadSignatures.USER_PROPERTY + ")")
                    : null;
        }
        Device d = devices.apply(device).filter(x -> x.tenant().equals(tenant)).orElse(null);
        if (d == null || d.credential().type() != Device.CredentialType.JWK) {
            return refusal("payload signatures need a device registered with a public key");
        }
        Optional<DeviceKey> key = keys.get(d.credential().value(), SignedTelemetry::parse);
        if (key.isEmpty()) {
            return refusal("the device's registered key cannot check signatures");
        }
        PayloadSignatures.Verdict verdict = signatures.verify(signature, payload, key.get().key(), key.get().algorithms());
        return verdict == PayloadSignatures.Verdict.VALID ? null
                : refusal("payload signature refused: " + verdict.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static Optional<DeviceKey> parse(String jwkJson) {
        try {
            JWK jwk = JWK.parse(jwkJson);
            return Optional.of(new DeviceKey(JwkKeys.publicKey(jwk), JwkKeys.algorithmsFor(jwk, SIGNATURE_ALGORITHMS)));
        } catch (ParseException | GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static PublishGate.Refusal refusal(String detail) {
        return new PublishGate.Refusal(RejectionReason.FORBIDDEN, detail);
    }
}
