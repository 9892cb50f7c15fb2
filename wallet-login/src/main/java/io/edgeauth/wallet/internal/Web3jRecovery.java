package io.edgeauth.wallet.internal;

import io.edgeauth.wallet.SignatureRecovery;
import java.math.BigInteger;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Pure-Java recovery via web3j ({@link Sign#recoverFromSignature}, Bouncy Castle arithmetic): the
 * fallback when the native library cannot load. Stateless, thread-safe.
 */
public final class Web3jRecovery implements SignatureRecovery {
    @Override
    public String name() {
        return "web3j";
    }

    @Override
    public byte[] recoverPublicKey(byte[] hash32, byte[] rs64, int recoveryId) {
        if (hash32.length != 32 || (recoveryId & ~1) != 0 || !EcdsaSignature.rsInRange(rs64)) {
            return null;
        }
        try {
            BigInteger r = new BigInteger(1, rs64, 0, 32);
            BigInteger s = new BigInteger(1, rs64, 32, 32);
            BigInteger pub = Sign.recoverFromSignature(recoveryId, new ECDSASignature(r, s), hash32);
            // web3j encodes the point at infinity as 0; libsecp256k1 refuses it, so do we
            if (pub == null || pub.signum() == 0) {
                return null;
            }
            return Numeric.toBytesPadded(pub, 64);
        } catch (RuntimeException e) {
            // web3j signals some impossible inputs (r = 0, x not on the curve) with exceptions
            return null;
        }
    }
}
