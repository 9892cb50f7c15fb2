package io.edgeauth.wallet.internal;

import io.edgeauth.wallet.SiweErrorCode;
import io.edgeauth.wallet.SiweException;

/**
 * A 65-byte Ethereum signature {@code r || s || v}, checked before any curve arithmetic so both
 * recovery implementations see only canonical input: r and s in [1, n-1], s in the lower half of the
 * order (EIP-2; the upper-half twin of every signature would otherwise also verify), and v in
 * {27, 28} or {0, 1}. Immutable, thread-safe.
 */
public final class EcdsaSignature {
    /** secp256k1 group order n, big-endian. */
    private static final byte[] N = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    /** n / 2 (floor), big-endian: the largest accepted s. */
    private static final byte[] HALF_N = Hex.decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

    private final byte[] rs;
    private final int recoveryId;

    private EcdsaSignature(byte[] rs, int recoveryId) {
        this.rs = rs;
        this.recoveryId = recoveryId;
    }

    /** @return r || s, 64 bytes (a copy is not made: callers must not modify it) */
    public byte[] rs() {
        return rs;
    }

    /** @return 0 or 1 */
    public int recoveryId() {
        return recoveryId;
    }

    /**
     * @param sig65 r (32) || s (32) || v (1)
     * @throws SiweException SIGNATURE_MALFORMED or SIGNATURE_HIGH_S
     */
    public static EcdsaSignature parse(byte[] sig65) throws SiweException {
        if (sig65.length != 65) {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED,
                    "signature is " + sig65.length + " bytes, expected 65 (r, s, v)");
        }
        int v = sig65[64] & 0xff;
        int recId;
        if (v == 27 || v == 28) {
            recId = v - 27;
        } else if (v == 0 || v == 1) {
            recId = v;
        } else {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED,
                    "signature recovery byte v=" + v + " is not 27, 28, 0 or 1");
        }
        byte[] rs = new byte[64];
        System.arraycopy(sig65, 0, rs, 0, 64);
        if (isZero(rs, 0) || compare(rs, 0, N) >= 0) {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED, "signature r is out of range");
        }
        if (isZero(rs, 32) || compare(rs, 32, N) >= 0) {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED, "signature s is out of range");
        }
        if (compare(rs, 32, HALF_N) > 0) {
            throw new SiweException(SiweErrorCode.SIGNATURE_HIGH_S,
                    "signature s is in the upper half of the curve order (malleable high-s form, EIP-2)");
        }
        return new EcdsaSignature(rs, recId);
    }

    /**
     * @return true if r and s of {@code rs64} are both in [1, n-1]. Both recovery implementations
     *     call this first: libsecp256k1 refuses out-of-range values while web3j would happily
     *     compute a key for s = 0, so without it they would disagree.
     */
    public static boolean rsInRange(byte[] rs64) {
        return rs64.length == 64 && !isZero(rs64, 0) && compare(rs64, 0, N) < 0
                && !isZero(rs64, 32) && compare(rs64, 32, N) < 0;
    }

    private static boolean isZero(byte[] a, int off) {
        for (int i = off; i < off + 32; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Unsigned big-endian comparison of a[off, off+32) with b. */
    private static int compare(byte[] a, int off, byte[] b) {
        for (int i = 0; i < 32; i++) {
            int x = a[off + i] & 0xff;
            int y = b[i] & 0xff;
            if (x != y) {
                return x < y ? -1 : 1;
            }
        }
        return 0;
    }
}
