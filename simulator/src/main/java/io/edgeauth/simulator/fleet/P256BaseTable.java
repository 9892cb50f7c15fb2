package io.edgeauth.simulator.fleet;

import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * {@code k·G} on P-256 for deriving a fleet's public keys: a table of {@code j · 256^w · G} (w = 0..31,
 * j = 1..255, affine) makes it at most 32 point additions with no doubling, on BouncyCastle's P-256 field
 * arithmetic. BouncyCastle's fixed-point comb took ~43 doublings and additions, about 100 µs a device
 * (the simulator's largest Java cost per device once signatures were native). The table (8,160 points,
 * ~1.5 MB) is built once, on first use.
 *
 * <p>Not constant-time (it branches on the scalar's bytes): fine for a load generator deriving simulated
 * devices' keys, not for a real device's key. Thread-safe.
 */
final class P256BaseTable {
    private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
    private static final int WINDOWS = 32;
    private static final ECPoint[][] TABLE = build();

    private P256BaseTable() {
    }

    /** The curve and generator the table is for. */
    static X9ECParameters parameters() {
        return P256;
    }

    /** {@code k·G}, normalized (affine); {@code 0 < k < n}. */
    static ECPoint multiply(BigInteger k) {
        if (k.signum() <= 0 || k.compareTo(P256.getN()) >= 0) {
            throw new IllegalArgumentException("scalar out of range");
        }
        byte[] bytes = BigIntegers.asUnsignedByteArray(WINDOWS, k);
        ECPoint acc = P256.getCurve().getInfinity();
        for (int w = 0; w < WINDOWS; w++) {
            int j = bytes[WINDOWS - 1 - w] & 0xff;
            if (j != 0) {
                acc = acc.add(TABLE[w][j - 1]);
            }
        }
        return acc.normalize();
    }

    private static ECPoint[][] build() {
        ECCurve curve = P256.getCurve();
        ECPoint[] all = new ECPoint[WINDOWS * 255];
        ECPoint base = P256.getG();
        for (int w = 0; w < WINDOWS; w++) {
            ECPoint p = base;
            for (int j = 0; j < 255; j++) {
                all[w * 255 + j] = p; // (j + 1) · 256^w · G
                p = p.add(base);
            }
            base = p; // 256^(w + 1) · G
        }
        curve.normalizeAll(all); // one inversion for all: the additions with them are then the cheaper mixed ones
        ECPoint[][] table = new ECPoint[WINDOWS][];
        for (int w = 0; w < WINDOWS; w++) {
            table[w] = java.util.Arrays.copyOfRange(all, w * 255, (w + 1) * 255);
        }
        return table;
    }
}
