package io.edgeauth.simulator.fleet;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import io.edgeauth.device.DeviceIdentity;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * Every identity of a fleet, derived from one seed and the device's index, so any process can act as
 * any device and nothing is stored. With {@code S} = the UTF-8 seed, {@code H(info, L)} =
 * HKDF-SHA256(IKM = S, salt = {@value #SALT}, info, L) (RFC 5869):
 * <ul>
 *   <li>device id: {@code <prefix>-<i>} (i in decimal);</li>
 *   <li>P-256 key: {@code d = (H("p256:" + id, 40) mod (n - 1)) + 1} (FIPS 186-5 A.2.1: 64 extra bits
 *       make the bias negligible), the public key {@code d·G};</li>
 *   <li>Ed25519 key: the 32-byte seed {@code H("ed25519:" + id, 32)} (RFC 8032 §5.1.5);</li>
 *   <li>DTLS PSK master: {@code H("dtls-psk-master", 32)}; a device's PSK is what the broker derives from
 *       that master, HKDF-SHA256(IKM = master, no salt, info = UTF-8 id, L = 32) (see {@link #psk}).</li>
 * </ul>
 * The key depends on the id, not on the index alone, so two prefixes under one seed are two fleets.
 * Immutable and thread-safe; deriving one P-256 identity costs one fixed-base scalar multiplication
 * ({@link P256BaseTable}: at most 32 point additions).
 */
public final class FleetIdentities {
    /** HKDF salt: names the derivation and its version. */
    public static final String SALT = "edgeauth-sim-fleet-v1";
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final X9ECParameters P256 = P256BaseTable.parameters();
    private static final BigInteger N_MINUS_1 = P256.getN().subtract(BigInteger.ONE);

    private final byte[] seed;
    private final String prefix;
    private final DeviceIdentity.KeyType keyType;

    /**
     * @param seed    the fleet's secret seed (whoever knows it can act as every device of the fleet)
     * @param prefix  device ids are {@code prefix-0}, {@code prefix-1}, ...
     * @param keyType P-256 or Ed25519
     */
    public FleetIdentities(String seed, String prefix, DeviceIdentity.KeyType keyType) {
        Objects.requireNonNull(seed, "seed");
        if (seed.isEmpty()) {
            throw new IllegalArgumentException("the fleet seed must not be empty");
        }
        if (!PREFIX.matcher(Objects.requireNonNull(prefix, "prefix")).matches()) {
            throw new IllegalArgumentException("device prefix must be 1-100 of [A-Za-z0-9._:-]: " + prefix);
        }
        this.seed = seed.getBytes(StandardCharsets.UTF_8);
        this.prefix = prefix;
        this.keyType = Objects.requireNonNull(keyType, "keyType");
    }

    /** The fleet's certificate authority (its key derived from the same seed), for X.509 devices. */
    public FleetCa certificateAuthority() {
        return new FleetCa(new String(seed, StandardCharsets.UTF_8));
    }

    public String prefix() {
        return prefix;
    }

    public DeviceIdentity.KeyType keyType() {
        return keyType;
    }

    /** The id of device {@code index}. */
    public String deviceId(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0");
        }
        return prefix + "-" + index;
    }

    /** The identity (id and private key) of device {@code index}. */
    public DeviceIdentity identity(long index) {
        return DeviceIdentity.of(deviceId(index), privateKey(index));
    }

    /** The private JWK of device {@code index} (P-256 {@link ECKey} or Ed25519 {@link OctetKeyPair}). */
    public JWK privateKey(long index) {
        String id = deviceId(index);
        if (keyType == DeviceIdentity.KeyType.ED25519) {
            byte[] secret = hkdf("ed25519:" + id, 32);
            byte[] publicKey = new Ed25519PrivateKeyParameters(secret, 0).generatePublicKey().getEncoded();
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(publicKey)).d(Base64URL.encode(secret)).build();
        }
        BigInteger d = new BigInteger(1, hkdf("p256:" + id, 40)).mod(N_MINUS_1).add(BigInteger.ONE);
        ECPoint q = P256BaseTable.multiply(d);
        return new ECKey.Builder(Curve.P_256,
                Base64URL.encode(BigIntegers.asUnsignedByteArray(32, q.getAffineXCoord().toBigInteger())),
                Base64URL.encode(BigIntegers.asUnsignedByteArray(32, q.getAffineYCoord().toBigInteger())))
                .d(Base64URL.encode(BigIntegers.asUnsignedByteArray(32, d))).build();
    }

    /** The DTLS PSK master of the fleet: give it to the broker as {@code coap.pskMasterSecretFile}. */
    public byte[] pskMaster() {
        return hkdf("dtls-psk-master", 32);
    }

    /** Device {@code index}'s DTLS PSK, as the broker derives it from {@link #pskMaster()}. */
    public byte[] psk(long index) {
        return psk(pskMaster(), deviceId(index));
    }

    /** The broker's PSK derivation: HKDF-SHA256(IKM = master, no salt, info = UTF-8 device id, L = 32). */
    public static byte[] psk(byte[] master, String deviceId) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(master, null, deviceId.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[32];
        g.generateBytes(out, 0, out.length);
        return out;
    }

    private byte[] hkdf(String info, int length) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(seed, SALT.getBytes(StandardCharsets.UTF_8), info.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[length];
        g.generateBytes(out, 0, length);
        return out;
    }
}
