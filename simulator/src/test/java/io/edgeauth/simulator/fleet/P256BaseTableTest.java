package io.edgeauth.simulator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

class P256BaseTableTest {
    private static final BigInteger N = P256BaseTable.parameters().getN();

    @Test
    void equalsAPlainDoubleAndAddMultiplication() {
        List<BigInteger> scalars = new ArrayList<>(List.of(BigInteger.ONE, BigInteger.TWO, BigInteger.valueOf(255),
                BigInteger.valueOf(256), BigInteger.ONE.shiftLeft(248), BigInteger.ONE.shiftLeft(255), N.subtract(BigInteger.ONE),
                N.subtract(BigInteger.TWO), new BigInteger("ff".repeat(31), 16), new BigInteger("0100".repeat(16), 16)));
        Random random = new Random(7); // fixed: a failure names its scalar and repeats
        for (int i = 0; i < 200; i++) {
            scalars.add(new BigInteger(256, random).mod(N.subtract(BigInteger.ONE)).add(BigInteger.ONE));
        }
        for (BigInteger k : scalars) {
            ECPoint expected = ECAlgorithms.referenceMultiply(P256BaseTable.parameters().getG(), k).normalize();
            ECPoint actual = P256BaseTable.multiply(k);
            assertThat(actual.getAffineXCoord().toBigInteger()).as("x of %s·G", k).isEqualTo(expected.getAffineXCoord().toBigInteger());
            assertThat(actual.getAffineYCoord().toBigInteger()).as("y of %s·G", k).isEqualTo(expected.getAffineYCoord().toBigInteger());
        }
    }

    @Test
    void scalarsOutsideOneToNMinusOneAreRefused() {
        assertThatThrownBy(() -> P256BaseTable.multiply(BigInteger.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> P256BaseTable.multiply(N)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> P256BaseTable.multiply(BigInteger.ONE.negate())).isInstanceOf(IllegalArgumentException.class);
    }
}
