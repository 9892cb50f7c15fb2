package io.edgeauth.wallet.internal;

import org.web3j.crypto.Hash;

/**
 * Keccak-256 (the pre-standard SHA-3 variant Ethereum uses). Delegates to web3j's {@link Hash}
 * (Bouncy Castle underneath) so this module declares no direct Bouncy Castle dependency.
 * Thread-safe: each call uses a fresh digest.
 */
public final class Keccak {
    private Keccak() {
    }

    /** @return Keccak-256 of {@code data[from, from+len)} */
    public static byte[] hash(byte[] data, int from, int len) {
        return Hash.sha3(data, from, len);
    }

    /** @return Keccak-256 of {@code data} */
    public static byte[] hash(byte[] data) {
        return Hash.sha3(data);
    }
}
