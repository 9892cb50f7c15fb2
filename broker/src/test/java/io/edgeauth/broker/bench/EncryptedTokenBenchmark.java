package io.edgeauth.broker.bench;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.keys.TokenEncryptionKeys;
import io.edgeauth.broker.token.BrokerTokenVerifier;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenEncryption;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenPolicy;
import io.edgeauth.broker.token.TokenRejectedException;
import io.edgeauth.broker.token.VerifiedToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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
 * Verification of one ES256 token per format, signed only vs encrypted to the broker (issue 15): the
 * full uncached verifier path, so the difference is the decryption (an ECDH agreement for a JWE, one
 * AES-GCM pass for COSE_Encrypt0). Run with
 * {@code bench/jmh broker EncryptedTokenBenchmark -f 1 -wi 2 -i 3 -r 2s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EncryptedTokenBenchmark {
    @Param({"JWT", "JWE", "CWT", "CWT_ENCRYPTED"})
    public String format;

    @Param({"ACCP", "JDK"})
    public String provider;

    private BrokerTokenVerifier verifier;
    private byte[] token;

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("bench-enc");
        Clock clock = Clock.systemUTC();
        CryptoProviders crypto = "ACCP".equals(provider) ? CryptoProviders.select(true) : CryptoProviders.jdk();
        Signatures signatures = new Signatures(crypto);
        SigningKeyStore keys = SigningKeyStore.open(dir, List.of(TenantKeySettings.of("t", "https://bench/t")),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        TokenEncryption encryption = new TokenEncryption(
                new TokenEncryptionKeys(List.of(TokenEncryptionKeys.generate("t"))), Set.of(), crypto);
        token = new TokenIssuer(keys, signatures, Duration.ofMinutes(10), clock, encryption)
                .issue(TokenClaims.builder("t", "dev-1").audience("aud").geo("u33db").build(), TokenFormat.valueOf(format))
                .bytes();
        verifier = new BrokerTokenVerifier(keys, TokenPolicy.builder().audience("aud").build(), signatures, clock,
                encryption);
    }

    @Benchmark
    public VerifiedToken verify() throws TokenRejectedException {
        return verifier.verify(token);
    }
}
