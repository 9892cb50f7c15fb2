package io.edgeauth.broker.bench;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.keys.Pkcs11Token;
import io.edgeauth.broker.keys.SigningKey;
import io.edgeauth.broker.testsupport.SoftHsm;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * ES256 token signing with the key in a PKCS#11 token (SoftHSM2 via SunPKCS11) against the key in process (the JDK's
 * SunEC, and ACCP where it loads): one signature over a typical JWS signing input per operation. Needs
 * {@code SOFTHSM2_CONF} pointing at a writable config path (the token directory is created beside it).
 * Run: {@code SOFTHSM2_CONF=$PWD/broker/target/softhsm2-bench/softhsm2.conf bench/jmh broker HsmSigningBenchmark -f 1 -wi 2 -i 3 -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HsmSigningBenchmark {
    @Param({"pkcs11", "jdk", "accp"})
    public String where;

    private final byte[] input = ("eyJhbGciOiJFUzI1NiIsImtpZCI6Ik56YkxzWGg4dURDY2QtNk1Od1hGNFdfN25vV1hGWkFmSGt4WnNSR0M5WHMifQ."
            + "eyJpc3MiOiJodHRwczovL2Jyb2tlci5leGFtcGxlLmNvbSIsInN1YiI6InB1bXAtNDcxMSIsImF1ZCI6ImVkZ2VhdXRoIiwiZXhw"
            + "IjoxNzY0NzY0MDAwLCJpYXQiOjE3NjQ3NjM0MDAsImp0aSI6IjZiN2Y2YzFlIn0").getBytes(StandardCharsets.US_ASCII);
    private SigningKey key;
    private Signatures signatures;

    @Setup
    public void setUp() throws Exception {
        if (where.equals("pkcs11")) {
            String pin = "bench-1234";
            long slot = SoftHsm.initToken("edgeauth-bench-" + System.nanoTime(), pin);
            Pkcs11Token token = Pkcs11Token.open("bench", new Pkcs11Token.Settings(SoftHsm.module(), slot, null,
                    pin.toCharArray()));
            JWK jwk = token.generate(TokenAlgorithm.ES256);
            key = new SigningKey("bench", "iss", jwk.getKeyID(), TokenAlgorithm.ES256,
                    token.privateKey(jwk.getKeyID(), JwkKeys.publicKey(jwk)), JwkKeys.publicKey(jwk), token);
            signatures = new Signatures(CryptoProviders.jdk());
        } else {
            JWK jwk = JwkKeys.generate(TokenAlgorithm.ES256);
            key = new SigningKey("bench", "iss", jwk.getKeyID(), TokenAlgorithm.ES256, JwkKeys.privateKey(jwk),
                    JwkKeys.publicKey(jwk));
            signatures = new Signatures(where.equals("accp") ? CryptoProviders.accp() : CryptoProviders.jdk());
        }
    }

    @Benchmark
    public byte[] sign() throws Exception {
        return key.sign(signatures, input);
    }
}
