package io.edgeauth.broker.oauth;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.SubjectBlocks;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.wallet.SiweException;
import io.edgeauth.wallet.SignatureRecovery;
import io.edgeauth.wallet.internal.EcdsaSignature;
import io.edgeauth.wallet.internal.Eip191;
import io.edgeauth.wallet.internal.Eip55;
import io.edgeauth.wallet.internal.Hex;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Tokens for devices registered by Ethereum address (no X.509, no JWK): the device asks for a
 * challenge, signs it with EIP-191 {@code personal_sign}, and gets the same token a
 * {@code client_credentials} grant gives (claims from the registry, see {@link DeviceTokenIssuance}).
 * Challenges are random (128 bits), bound to the device, short-lived and single use: they live in the
 * durable {@link Store} (so any node can consume one another issued) and {@link Store#take} spends
 * them atomically, whatever the outcome of the attempt. The signature must be canonical (low s, v in
 * 27/28 or 0/1); the recovered address is compared with the registered checksummed address.
 *
 * <p>Neither step tells which device ids exist: a challenge is made and stored the same way for any
 * well-formed id, and a login for an unknown id, for a device with another kind of credential or with
 * another key's signature is refused with the same {@code BAD_SIGNATURE} and text, after the same
 * signature recovery (the audit log keeps the real reason). Thread-safe.
 */
public final class EthDeviceTokenService {
    static final String SPACE = "eth-device-challenges";
    static final String GRANT = "eth_challenge";
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int MAX_CHALLENGE_CHARS = 512;
    private static final String NOT_SIGNED = "challenge is not signed by the key registered for this device id";

    private final Store store;
    private final DeviceRegistry registry;
    private final SignatureRecovery recovery;
    private final DeviceTokenIssuance issuance;
    private final Clock clock;
    private final Duration challengeLifetime;
    private final SecureRandom random = new SecureRandom();

    /** A challenge to sign, as handed to the device. */
    public record Challenge(String text, Instant expiresAt) { }

    public EthDeviceTokenService(Store store, DeviceRegistry registry, SignatureRecovery recovery, TokenIssuer issuer,
                                 SubjectBlocks blocks, Function<String, Set<String>> selfServiceScopes,
                                 List<String> audiences, String regionName, Duration challengeLifetime, Clock clock,
                                 AuditLog audit, MeterRegistry meters) {
        this.store = store;
        this.registry = registry;
        this.recovery = recovery;
        this.issuance = new DeviceTokenIssuance(issuer, blocks, selfServiceScopes, audiences, regionName, audit,
                meters, registry::current);
        this.challengeLifetime = challengeLifetime;
        this.clock = clock;
    }

    /** Bounds the tokens issued per device, as {@link DeviceTokenService#limitedBy}; returns this. */
    public EthDeviceTokenService limitedBy(io.edgeauth.broker.policy.rate.TokenRequestLimits limits) {
        issuance.limitedBy(limits);
        return this;
    }

    /**
     * A fresh challenge for {@code deviceId}, whether or not such an Ethereum-keyed device exists (so the
     * answer tells nothing about the registry; only a registered device can use it).
     */
    public Challenge challenge(String deviceId) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = now.plus(challengeLifetime);
        char[] nonce = new char[22]; // 62^22 > 2^128
        for (int i = 0; i < nonce.length; i++) {
            nonce[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        String text = "edgeauth device login\nDevice: " + deviceId + "\nChallenge: " + new String(nonce)
                + "\nIssued At: " + now + "\nExpiration Time: " + expires;
        store.put(SPACE, hash(text), record(deviceId, expires), expires);
        return new Challenge(text, expires);
    }

    /**
     * If the signature over the challenge recovers to the device's registered address, spends the challenge and
     * issues a token. A failed attempt leaves the challenge for the device: it is no secret (it travels to the device
     * in the clear), and before, anyone who named it with a bad signature or another device id used it up.
     *
     * @param signatureHex 65 bytes r || s || v as 0x-prefixed hex
     * @throws TokenRejectedException REPLAYED (unknown, spent or expired challenge, or one issued to
     *     another device), MALFORMED (bad signature encoding or high s), BAD_SIGNATURE (signed by another
     *     key, an unknown device or one without an Ethereum address: one answer for all three)
     */
    public IssuedToken login(String deviceId, String challenge, String signatureHex, TokenFormat format, String scope,
                             String channel) throws TokenRejectedException {
        return login(deviceId, challenge, signatureHex, format, scope, TokenChannel.of(channel));
    }

    /** As above, naming the request's source address in its audit events. */
    public IssuedToken login(String deviceId, String challenge, String signatureHex, TokenFormat format, String scope,
                             TokenChannel channel) throws TokenRejectedException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", GRANT);
        fields.put("channel", channel.name());
        fields.put("remote", channel.remote());
        fields.put("client_id", deviceId);
        try {
            if (challenge == null || challenge.length() > MAX_CHALLENGE_CHARS) {
                throw new TokenRejectedException(RejectionReason.REPLAYED, "unknown challenge");
            }
            Optional<byte[]> stored = store.get(SPACE, hash(challenge));
            if (stored.isEmpty()) {
                throw new TokenRejectedException(RejectionReason.REPLAYED,
                        "challenge is unknown, expired or already used; get a new one");
            }
            ByteBuffer record = ByteBuffer.wrap(stored.get());
            long expiresAt = record.getLong();
            String boundTo = StandardCharsets.UTF_8.decode(record).toString();
            if (!clock.instant().isBefore(Instant.ofEpochSecond(expiresAt))) {
                throw new TokenRejectedException(RejectionReason.EXPIRED, "challenge expired; get a new one");
            }
            if (!boundTo.equals(deviceId)) {
                throw new TokenRejectedException(RejectionReason.REPLAYED, "challenge was issued to another device");
            }
            String recovered = recover(challenge, signatureHex); // first: the same work for every device id
            Device device = registry.find(deviceId).orElse(null);
            if (device == null || device.credential().type() != Device.CredentialType.ETH_ADDRESS
                    || !recovered.equals(device.credential().value())) {
                fields.put("why", device == null ? "unknown device"
                        : device.credential().type() != Device.CredentialType.ETH_ADDRESS ? "not an Ethereum-keyed device"
                        : "another key");
                throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, NOT_SIGNED);
            }
            if (store.take(SPACE, hash(challenge)).isEmpty()) { // spent by a concurrent login with the same signature
                throw new TokenRejectedException(RejectionReason.REPLAYED,
                        "challenge is unknown, expired or already used; get a new one");
            }
            return issuance.issue(device, format, scope, GRANT, fields);
        } catch (TokenRejectedException e) {
            issuance.refused(e, GRANT, fields);
            throw e;
        }
    }

    /** The EIP-55 address that signed {@code message} with personal_sign. */
    private String recover(String message, String signatureHex) throws TokenRejectedException {
        if (signatureHex == null || !signatureHex.matches("0x[0-9a-fA-F]{130}")) {
            throw new TokenRejectedException(RejectionReason.MALFORMED,
                    "signature must be 0x followed by 130 hex digits (r, s, v)");
        }
        EcdsaSignature sig;
        try {
            sig = EcdsaSignature.parse(Hex.decode(signatureHex.substring(2)));
        } catch (SiweException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, e.getMessage());
        }
        byte[] address = recovery.recoverAddress(Eip191.personalMessageHash(message), sig.rs(), sig.recoveryId());
        if (address == null) {
            throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, "no public key can be recovered from the signature");
        }
        return Eip55.toChecksum(address);
    }

    private static byte[] record(String deviceId, Instant expires) {
        byte[] id = deviceId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + id.length).putLong(expires.getEpochSecond()).put(id).array();
    }

    static String hash(String challenge) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(challenge.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
