package io.edgeauth.broker.coap;

import java.net.InetSocketAddress;
import java.util.Arrays;
import javax.crypto.SecretKey;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;
import org.eclipse.californium.scandium.dtls.PskSecretResult;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;
import org.eclipse.californium.scandium.util.SecretUtil;
import org.eclipse.californium.scandium.util.ServerNames;

/**
 * PSK store for a whole fleet without per-device secrets: a device's pre-shared key is
 * {@code HKDF-SHA256(IKM = master secret, salt = none, info = UTF-8 device id, L = 32)} (RFC 5869) and its PSK
 * identity is its device id. The device (or its provisioning tool) derives the same key with {@link #derive}.
 *
 * <p>The lookup is two HMAC-SHA256 computations in memory (no I/O, about 2 µs), so it answers synchronously
 * on the handshake thread without blocking it; a store that had to consult a remote registry would return
 * {@code null} here and complete later through the {@link HandshakeResultHandler} (Californium's async
 * pattern, see {@code AsyncAdvancedPskStore}). HMAC runs on the JDK's SunJCE provider when available, so a
 * globally installed native provider cannot change the derived keys. Thread-safe.
 */
public final class DerivedPskStore implements AdvancedPskStore {
    /** Longest PSK identity accepted (RFC 4279 allows 2^16-1; device ids are short). */
    public static final int MAX_IDENTITY_LENGTH = 128;

    private final byte[] masterSecret;

    public DerivedPskStore(byte[] masterSecret) {
        if (masterSecret == null || masterSecret.length < 16) {
            throw new IllegalArgumentException("PSK master secret must have at least 16 bytes");
        }
        this.masterSecret = masterSecret.clone();
    }

    /** The 32-byte PSK of a device: HKDF-SHA256(master, info = device id), as the device SDK's factories derive it. */
    public static byte[] derive(byte[] masterSecret, String deviceId) {
        return io.edgeauth.device.DeviceSecrets.derive(masterSecret, deviceId);
    }

    /** True for identities we derive keys for: 1..128 printable ASCII characters, no '/', '+' or '#'. */
    static boolean acceptable(String identity) {
        if (identity == null || identity.isEmpty() || identity.length() > MAX_IDENTITY_LENGTH) {
            return false;
        }
        for (int i = 0; i < identity.length(); i++) {
            char c = identity.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '/' || c == '+' || c == '#') {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean hasEcdhePskSupported() {
        return true;
    }

    @Override
    public PskSecretResult requestPskSecretResult(ConnectionId cid, ServerNames serverName,
                                                  PskPublicInformation identity, String hmacAlgorithm,
                                                  SecretKey otherSecret, byte[] seed, boolean useExtendedMasterSecret) {
        String id = identity.isCompliantEncoding() ? identity.getPublicInfoAsString() : null;
        if (!acceptable(id)) {
            return new PskSecretResult(cid, identity, null); // unknown identity: handshake fails
        }
        byte[] psk = derive(masterSecret, id);
        SecretKey key = SecretUtil.create(psk, "PSK");
        Arrays.fill(psk, (byte) 0);
        return new PskSecretResult(cid, identity, key);
    }

    @Override
    public PskPublicInformation getIdentity(InetSocketAddress peerAddress, ServerNames virtualHost) {
        return null; // server side only
    }

    @Override
    public void setResultHandler(HandshakeResultHandler resultHandler) {
        // answers synchronously
    }
}
