package io.edgeauth.wallet.bench;

import io.edgeauth.wallet.InMemoryNonceStore;
import io.edgeauth.wallet.SignatureRecoveries;
import io.edgeauth.wallet.SignatureRecovery;
import io.edgeauth.wallet.SiweConfig;
import io.edgeauth.wallet.SiweException;
import io.edgeauth.wallet.SiweMessage;
import io.edgeauth.wallet.SiweParser;
import io.edgeauth.wallet.SiweVerifier;
import io.edgeauth.wallet.VerifiedLogin;
import io.edgeauth.wallet.internal.EcdsaSignature;
import io.edgeauth.wallet.internal.Eip191;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * Full SIWE verification (parse, policy and time checks, EIP-191 hash, ECDSA recovery, nonce
 * consumption) next to the bare recovery it is built on, for both recovery implementations.
 *
 * <p>Each full verification uses one of {@value #POOL} distinct pre-signed messages with its own
 * nonce; the nonce is re-registered in the in-memory store right before use (a map put, counted in
 * the measurement) so every verification really consumes a live nonce.
 *
 * <p>Run: {@code bench/jmh wallet-login SiweBenchmark -f 1 -wi 2 -i 3 -r 1s}
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SiweBenchmark {
    static final int POOL = 512;
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    private String[] messages;
    private String[] signatures;
    private String[] nonces;
    private int next;
    private InMemoryNonceStore store;
    private SiweVerifier nativeVerifier;
    private SiweVerifier web3jVerifier;
    private SignatureRecovery nativeRecovery;
    private SignatureRecovery web3jRecovery;
    private byte[] hash;
    private byte[] rs;
    private int recId;

    @Setup
    public void setUp() throws SiweException {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        store = new InMemoryNonceStore(clock);
        SiweConfig config = SiweConfig.builder().allowDomain("app.example.com").allowChainId(1).clock(clock).build();
        nativeRecovery = SignatureRecoveries.nativeRecovery();
        web3jRecovery = SignatureRecoveries.web3j();
        nativeVerifier = new SiweVerifier(config, store, nativeRecovery, null);
        web3jVerifier = new SiweVerifier(config, store, web3jRecovery, null);
        messages = new String[POOL];
        signatures = new String[POOL];
        nonces = new String[POOL];
        for (int i = 0; i < POOL; i++) {
            ECKeyPair key = ECKeyPair.create(BigInteger.valueOf(1_000_003L * (i + 1)));
            String nonce = store.issue(Duration.ofDays(1));
            SiweMessage m = SiweMessage.builder().domain("app.example.com")
                    .address(Keys.toChecksumAddress(Keys.getAddress(key)))
                    .statement("Sign in to the edgeauth console to manage your devices.")
                    .uri("https://app.example.com/login").chainId(1).nonce(nonce)
                    .issuedAt(NOW.minusSeconds(10)).expirationTime(NOW.plusSeconds(600))
                    .requestId("req-" + i).addResource("https://app.example.com/devices")
                    .build();
            messages[i] = m.toMessageString();
            nonces[i] = nonce;
            Sign.SignatureData sd = Sign.signPrefixedMessage(messages[i].getBytes(StandardCharsets.UTF_8), key);
            byte[] sig = new byte[65];
            System.arraycopy(sd.getR(), 0, sig, 0, 32);
            System.arraycopy(sd.getS(), 0, sig, 32, 32);
            sig[64] = sd.getV()[0];
            signatures[i] = org.web3j.utils.Numeric.toHexString(sig);
            if (i == 0) {
                hash = Eip191.personalMessageHash(messages[0]);
                EcdsaSignature parsed = EcdsaSignature.parse(sig);
                rs = parsed.rs();
                recId = parsed.recoveryId();
            }
        }
    }

    private int nextIndex() {
        int i = next;
        next = (i + 1) % POOL;
        store.register(nonces[i], Duration.ofDays(1)); // re-arm: the verification consumes it
        return i;
    }

    /** parse + validate + EIP-191 hash + native recovery + nonce consume. */
    @Benchmark
    public VerifiedLogin fullVerificationNative() throws SiweException {
        int i = nextIndex();
        return nativeVerifier.verify(messages[i], signatures[i]);
    }

    /** The same with web3j (pure Java) recovery. */
    @Benchmark
    public VerifiedLogin fullVerificationWeb3j() throws SiweException {
        int i = nextIndex();
        return web3jVerifier.verify(messages[i], signatures[i]);
    }

    /** Bare public-key recovery with native libsecp256k1 (JNI). */
    @Benchmark
    public byte[] bareNativeRecovery() {
        return nativeRecovery.recoverPublicKey(hash, rs, recId);
    }

    /** Bare public-key recovery with web3j / Bouncy Castle. */
    @Benchmark
    public byte[] bareWeb3jRecovery() {
        return web3jRecovery.recoverPublicKey(hash, rs, recId);
    }

    /** Parsing alone (includes the EIP-55 checksum check of the address). */
    @Benchmark
    public SiweMessage parseOnly() throws SiweException {
        return SiweParser.parse(messages[next = (next + 1) % POOL]);
    }
}
