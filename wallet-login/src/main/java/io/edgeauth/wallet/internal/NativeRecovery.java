package io.edgeauth.wallet.internal;

import fr.acinq.secp256k1.Secp256k1;
import io.edgeauth.wallet.SignatureRecovery;

/**
 * Recovery with bitcoin-core's libsecp256k1 through ACINQ's secp256k1-kmp JNI binding (the native
 * library ships inside {@code secp256k1-kmp-jni-jvm-linux} / {@code -darwin} / {@code -mingw} and is
 * extracted and loaded by {@link Secp256k1#get()}). Thread-safe: the binding uses one shared
 * read-only context.
 */
public final class NativeRecovery implements SignatureRecovery {
    private final Secp256k1 secp;

    private NativeRecovery(Secp256k1 secp) {
        this.secp = secp;
    }

    /**
     * Loads the native library and proves it works on a known signature.
     *
     * @return the recovery
     * @throws Throwable whatever the loader throws (UnsatisfiedLinkError, Secp256k1Exception, ...)
     */
    public static NativeRecovery load() throws Throwable {
        NativeRecovery r = new NativeRecovery(Secp256k1.get());
        r.selfTest();
        return r;
    }

    private void selfTest() {
        // Sign with private key 1 (public key = G) and check that recovery finds G again: proves the
        // library loaded, and that its output format is the one this class expects.
        byte[] priv = new byte[32];
        priv[31] = 1;
        byte[] hash = new byte[32];
        hash[0] = 1;
        byte[] sig = secp.sign(hash, priv);
        byte[] expected = strip(secp.pubkeyCreate(priv));
        for (int recId = 0; recId < 2; recId++) {
            if (java.util.Arrays.equals(expected, recoverPublicKey(hash, sig, recId))) {
                return;
            }
        }
        throw new IllegalStateException("libsecp256k1 self test failed");
    }

    @Override
    public String name() {
        return "native-libsecp256k1";
    }

    @Override
    public byte[] recoverPublicKey(byte[] hash32, byte[] rs64, int recoveryId) {
        if (hash32.length != 32 || (recoveryId & ~1) != 0 || !EcdsaSignature.rsInRange(rs64)) {
            return null;
        }
        try {
            byte[] pub = secp.ecdsaRecover(rs64, hash32, recoveryId);
            if (pub == null) {
                return null;
            }
            if (pub.length == 65 && pub[0] == 0x04) {
                byte[] xy = new byte[64];
                System.arraycopy(pub, 1, xy, 0, 64);
                return xy;
            }
            if (pub.length == 33) {
                return strip(secp.pubkeyParse(pub));
            }
            return null;
        } catch (RuntimeException e) {
            // Secp256k1Exception for r or s out of range or no valid point
            return null;
        }
    }

    private static byte[] strip(byte[] uncompressed) {
        if (uncompressed.length != 65) {
            throw new IllegalStateException("unexpected public key length " + uncompressed.length);
        }
        byte[] xy = new byte[64];
        System.arraycopy(uncompressed, 1, xy, 0, 64);
        return xy;
    }
}
