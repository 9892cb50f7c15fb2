package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeauth.wallet.internal.EcdsaSignature;
import io.edgeauth.wallet.internal.Eip191;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** Native libsecp256k1 and web3j must give identical answers, for real and for random signatures. */
class RecoveryAgreementTest {
    private final SignatureRecovery nat = SignatureRecoveries.nativeRecovery();
    private final SignatureRecovery web = SignatureRecoveries.web3j();

    @Test
    void nativeLibraryLoadsHere() {
        // The build machines are linux-x86_64, covered by secp256k1-kmp-jni-jvm-linux.
        assertThat(SignatureRecoveries.nativeAvailable()).isTrue();
        assertThat(SignatureRecoveries.best().name()).isEqualTo("native-libsecp256k1");
        assertThat(web.name()).isEqualTo("web3j");
    }

    @Test
    void agreeOnVectorSignatures() throws Exception {
        JsonNode all = TestSupport.vectors("verification_positive");
        int n = 0;
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) all::fields) {
            JsonNode v = e.getValue();
            byte[] hash = Eip191.personalMessageHash(TestSupport.fromFields(v).build().toMessageString());
            EcdsaSignature sig = EcdsaSignature.parse(Numeric.hexStringToByteArray(v.get("signature").asText()));
            byte[] a = nat.recoverAddress(hash, sig.rs(), sig.recoveryId());
            byte[] b = web.recoverAddress(hash, sig.rs(), sig.recoveryId());
            assertThat(a).isEqualTo(b).isEqualTo(Numeric.hexStringToByteArray(v.get("address").asText()));
            n++;
        }
        assertThat(n).isEqualTo(4);
    }

    @Test
    void agreeOnSignaturesByRandomKeys() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 200; i++) {
            byte[] priv = new byte[32];
            rnd.nextBytes(priv);
            ECKeyPair k = ECKeyPair.create(new BigInteger(1, priv).mod(TestSupport.N.subtract(BigInteger.ONE)).add(BigInteger.ONE));
            byte[] hash = new byte[32];
            rnd.nextBytes(hash);
            Sign.SignatureData sd = Sign.signMessage(hash, k, false);
            byte[] rs = new byte[64];
            System.arraycopy(sd.getR(), 0, rs, 0, 32);
            System.arraycopy(sd.getS(), 0, rs, 32, 32);
            int recId = sd.getV()[0] - 27;
            byte[] expected = Numeric.toBytesPadded(k.getPublicKey(), 64);
            assertThat(nat.recoverPublicKey(hash, rs, recId)).isEqualTo(expected);
            assertThat(web.recoverPublicKey(hash, rs, recId)).isEqualTo(expected);
            assertThat(nat.recoverAddress(hash, rs, recId))
                    .isEqualTo(Numeric.hexStringToByteArray(Keys.getAddress(k.getPublicKey())));
            // the other recovery id gives another (but identical across implementations) key or none
            assertThat(nat.recoverPublicKey(hash, rs, 1 - recId)).isEqualTo(web.recoverPublicKey(hash, rs, 1 - recId));
        }
    }

    @Test
    void agreeOnRandomBytes() {
        // Random r, s: about half the r values are not x coordinates on the curve (no key).
        SplittableRandom rnd = new SplittableRandom(7);
        int recovered = 0;
        int none = 0;
        for (int i = 0; i < 400; i++) {
            byte[] hash = new byte[32];
            byte[] rs = new byte[64];
            rnd.nextBytes(hash);
            rnd.nextBytes(rs);
            if (i % 50 == 0) {
                Arrays.fill(rs, 0, 32, (byte) 0xff); // r >= n: out of range
            }
            if (i % 50 == 1) {
                Arrays.fill(rs, 32, 64, (byte) 0); // s = 0
            }
            int recId = i & 1;
            byte[] a = nat.recoverPublicKey(hash, rs, recId);
            byte[] b = web.recoverPublicKey(hash, rs, recId);
            assertThat(a).as("sample %d", i).isEqualTo(b);
            if (a == null) {
                none++;
            } else {
                recovered++;
            }
        }
        assertThat(recovered).isGreaterThan(100);
        assertThat(none).isGreaterThan(50);
    }

    @Test
    void halfOrderConstantMatchesTheCurve() throws Exception {
        // s = n/2 is the largest accepted value, s = n/2 + 1 the smallest refused one
        BigInteger half = TestSupport.N.shiftRight(1);
        byte[] sig = new byte[65];
        sig[31] = 1;
        System.arraycopy(Numeric.toBytesPadded(half, 32), 0, sig, 32, 32);
        sig[64] = 27;
        EcdsaSignature.parse(sig);
        System.arraycopy(Numeric.toBytesPadded(half.add(BigInteger.ONE), 32), 0, sig, 32, 32);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EcdsaSignature.parse(sig))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.SIGNATURE_HIGH_S));
    }
}
