package io.edgeauth.wallet;

import io.edgeauth.wallet.internal.Keccak;

/**
 * Recovers the secp256k1 public key that produced an ECDSA signature over a 32-byte hash.
 *
 * <p>Two implementations give identical results: native libsecp256k1 through JNI (fast) and web3j
 * (Bouncy Castle, pure Java). Get one from {@link SignatureRecoveries}. Implementations are
 * stateless and thread-safe. Callers check the signature's encoding, range and low-s form first
 * (see {@link SiweVerifier}); implementations only do the curve arithmetic.
 */
public interface SignatureRecovery {

    /** @return short name for logs and benchmarks, e.g. {@code native-libsecp256k1} or {@code web3j} */
    String name();

    /**
     * @param hash32 the signed 32-byte message hash
     * @param rs64 r (32 bytes, big-endian) followed by s (32 bytes)
     * @param recoveryId 0 or 1 (the parity of R's y coordinate)
     * @return the 64-byte uncompressed public key {@code x || y} (no {@code 0x04} prefix), or null
     *     when no key can be recovered; never throws for any input (r or s outside [1, n-1] gives null)
     */
    byte[] recoverPublicKey(byte[] hash32, byte[] rs64, int recoveryId);

    /**
     * @return the 20-byte Ethereum address (last 20 bytes of Keccak-256 of the public key), or null
     *     when no key can be recovered
     */
    default byte[] recoverAddress(byte[] hash32, byte[] rs64, int recoveryId) {
        byte[] pub = recoverPublicKey(hash32, rs64, recoveryId);
        if (pub == null) {
            return null;
        }
        byte[] h = Keccak.hash(pub);
        byte[] address = new byte[20];
        System.arraycopy(h, 12, address, 0, 20);
        return address;
    }
}
