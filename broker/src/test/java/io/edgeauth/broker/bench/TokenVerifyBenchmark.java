package io.edgeauth.broker.bench;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.SharedSecret;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.token.BrokerTokenVerifier;
import io.edgeauth.broker.token.CachingTokenVerifier;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenPolicy;
import io.edgeauth.broker.token.VerifiedToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Full token verification (parse, key lookup, signature, claims, plus a revocation lookup in a
 * ConcurrentHashMap as the auth pipeline does) next to the bare {@link Signature}/{@link Mac}
 * verification of the same bytes with the same provider. Run with
 * {@code bench/jmh broker TokenVerifyBenchmark -f 1 -wi 2 -i 3 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TokenVerifyBenchmark {
    private static final String AUD = "mqtt://bench";
    private static final byte[] HS_SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Param({"ACCP", "JDK"})
    public String provider;

    private BrokerTokenVerifier verifier;
    private CachingTokenVerifier cached;
    private final Map<String, Boolean> revoked = new ConcurrentHashMap<>();

    private byte[] jwtEs256;
    private byte[] cwtEs256;
    private byte[] jwtEdDsa;
    private byte[] jwtRs256;
    private byte[] jwtHs256;
    private Bare bareJwtEs256;
    private Bare bareCwtEs256;
    private Bare bareJwtEdDsa;
    private Bare bareJwtRs256;
    private byte[] hsInput;
    private byte[] hsMac;
    private Mac mac;
    private SecretKeySpec hsKey;
    private Path dir;

    /** One signature check as the JCA sees it: engine, key, signed bytes, signature. */
    private static final class Bare {
        final Signature engine;
        final PublicKey key;
        final byte[] data;
        final byte[] signature;

        Bare(Signature engine, PublicKey key, byte[] data, byte[] signature) {
            this.engine = engine;
            this.key = key;
            this.data = data;
            this.signature = signature;
        }

        boolean verify() throws Exception {
            engine.initVerify(key);
            engine.update(data);
            return engine.verify(signature);
        }
    }

    @Setup
    public void setUp() throws Exception {
        CryptoProviders providers = "ACCP".equals(provider) ? CryptoProviders.accp() : CryptoProviders.jdk();
        Signatures signatures = new Signatures(providers);
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T10:00:00Z"), ZoneOffset.UTC);
        dir = Files.createTempDirectory("bench-keys");
        SigningKeyStore store = SigningKeyStore.open(dir, List.of(
                new TenantKeySettings("es", "https://b/es", TokenAlgorithm.ES256, new SharedSecret("hs", HS_SECRET)),
                new TenantKeySettings("ed", "https://b/ed", TokenAlgorithm.EDDSA, null),
                new TenantKeySettings("rsa", "https://b/rsa", TokenAlgorithm.RS256, null)),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        TokenPolicy policy = TokenPolicy.builder().audience(AUD).build();
        verifier = new BrokerTokenVerifier(store, policy, signatures, clock);
        cached = new CachingTokenVerifier(verifier, store, 10_000, policy.leeway(), clock);
        TokenIssuer issuer = new TokenIssuer(store, signatures, TokenPolicy.DEFAULT_MAX_LIFETIME, clock);

        jwtEs256 = issuer.issue(claims("es"), TokenFormat.JWT).bytes();
        cwtEs256 = issuer.issue(claims("es"), TokenFormat.CWT).bytes();
        jwtEdDsa = issuer.issue(claims("ed"), TokenFormat.JWT).bytes();
        jwtRs256 = issuer.issue(claims("rsa"), TokenFormat.JWT).bytes();

        // HS256: same claims, signed with the tenant's shared secret
        String es = new String(jwtEs256, StandardCharsets.US_ASCII);
        String payload = es.split("\\.")[1];
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"alg\":\"HS256\",\"kid\":\"hs\"}".getBytes(StandardCharsets.US_ASCII));
        hsInput = (header + "." + payload).getBytes(StandardCharsets.US_ASCII);
        hsKey = new SecretKeySpec(HS_SECRET, "HmacSHA256");
        hsMac = signatures.sign(TokenAlgorithm.HS256, hsKey, hsInput);
        jwtHs256 = (header + "." + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(hsMac))
                .getBytes(StandardCharsets.US_ASCII);
        mac = providers.mac("HmacSHA256");

        bareJwtEs256 = bareJwt(providers, jwtEs256, store.activeKey("es").publicKey(), TokenAlgorithm.ES256);
        bareJwtEdDsa = bareJwt(providers, jwtEdDsa, store.activeKey("ed").publicKey(), TokenAlgorithm.EDDSA);
        bareJwtRs256 = bareJwt(providers, jwtRs256, store.activeKey("rsa").publicKey(), TokenAlgorithm.RS256);
        bareCwtEs256 = bareCwt(providers, cwtEs256, store.activeKey("es").publicKey());

        revoked.put("some-revoked-jti", Boolean.TRUE);
        for (byte[] t : List.of(jwtEs256, cwtEs256, jwtEdDsa, jwtRs256, jwtHs256)) {
            if (!full(t).subject().equals("dev-1")) {
                throw new IllegalStateException("setup token does not verify");
            }
        }
        for (Bare b : List.of(bareJwtEs256, bareCwtEs256, bareJwtEdDsa, bareJwtRs256)) {
            if (!b.verify()) {
                throw new IllegalStateException("bare signature does not verify");
            }
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static TokenClaims claims(String tenant) {
        return TokenClaims.builder(tenant, "dev-1").audience(AUD).scope("telemetry:write").geo("u33d").build();
    }

    private static Bare bareJwt(CryptoProviders p, byte[] jwt, PublicKey key, TokenAlgorithm alg) throws Exception {
        String s = new String(jwt, StandardCharsets.US_ASCII);
        int dot = s.lastIndexOf('.');
        return new Bare(p.signature(alg.jcaName()), key, s.substring(0, dot).getBytes(StandardCharsets.US_ASCII),
                Base64.getUrlDecoder().decode(s.substring(dot + 1)));
    }

    private static Bare bareCwt(CryptoProviders p, byte[] cwt, PublicKey key) throws Exception {
        var msg = io.edgeauth.broker.token.CoseMessage.decode(cwt);
        return new Bare(p.signature(TokenAlgorithm.ES256.jcaName()), key, msg.toBeSigned(null), msg.signature());
    }

    /** Verification plus the revocation lookups the pipeline does next (jti, sub, kid). */
    private VerifiedToken full(byte[] token) throws TokenRejectedException {
        VerifiedToken t = verifier.verify(token);
        return revocationCheck(t);
    }

    private VerifiedToken revocationCheck(VerifiedToken t) {
        if (revoked.containsKey(t.tokenId()) || revoked.containsKey(t.subject()) || revoked.containsKey(t.keyId())) {
            throw new IllegalStateException("revoked");
        }
        return t;
    }

    @Benchmark
    public VerifiedToken jwtEs256Full() throws Exception {
        return full(jwtEs256);
    }

    @Benchmark
    public boolean jwtEs256Bare() throws Exception {
        return bareJwtEs256.verify();
    }

    @Benchmark
    public VerifiedToken cwtEs256Full() throws Exception {
        return full(cwtEs256);
    }

    @Benchmark
    public boolean cwtEs256Bare() throws Exception {
        return bareCwtEs256.verify();
    }

    @Benchmark
    public VerifiedToken jwtEdDsaFull() throws Exception {
        return full(jwtEdDsa);
    }

    @Benchmark
    public boolean jwtEdDsaBare() throws Exception {
        return bareJwtEdDsa.verify();
    }

    @Benchmark
    public VerifiedToken jwtRs256Full() throws Exception {
        return full(jwtRs256);
    }

    @Benchmark
    public boolean jwtRs256Bare() throws Exception {
        return bareJwtRs256.verify();
    }

    @Benchmark
    public VerifiedToken jwtHs256Full() throws Exception {
        return full(jwtHs256);
    }

    @Benchmark
    public boolean jwtHs256Bare() throws Exception {
        mac.init(hsKey);
        return java.security.MessageDigest.isEqual(mac.doFinal(hsInput), hsMac);
    }

    @Benchmark
    public VerifiedToken jwtEs256CacheHit() throws Exception {
        return revocationCheck(cached.verify(jwtEs256));
    }
}
