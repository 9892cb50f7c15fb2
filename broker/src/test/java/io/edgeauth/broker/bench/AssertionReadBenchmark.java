package io.edgeauth.broker.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.token.ClientAssertion;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.DecodedAssertion;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Reading and checking a zero-touch device's client assertion (ES256, its certificate in {@code x5c}, as
 * {@code bench/onboarding} sends it): the read the token request does once since 2026-12-05
 * ({@link ClientAssertionVerifier#decode}), the check of that read form (native ES256 verify and the claims; the jti
 * guard accepts all, so the 1,024 assertions can cycle), and the second read the enrollment front used to do on
 * its own (Vert.x JSON of header and payload, without the certificate parse, which both ways do once).
 * Run: {@code bench/jmh broker AssertionReadBenchmark -f 1 -wi 3 -i 5 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AssertionReadBenchmark {
    private static final int N = 1024;
    private static final String AUDIENCE = "http://127.0.0.1:8080/oauth/token";
    private final List<String> assertions = new ArrayList<>();
    private final List<JWK> keys = new ArrayList<>();
    private final List<java.security.PublicKey> publicKeys = new ArrayList<>();
    private final List<byte[]> signed = new ArrayList<>();
    private final List<byte[]> signatureBytes = new ArrayList<>();
    private Signatures signatures;
    private ClientAssertionVerifier verifier;
    private int next;

    @Setup
    public void setUp() throws Exception {
        CryptoProviders crypto = CryptoProviders.select(true);
        signatures = new Signatures(crypto);
        verifier = new ClientAssertionVerifier(Set.of(AUDIENCE), (key, expiresAt) -> true, signatures,
                Duration.ofSeconds(30), Clock.systemUTC());
        FleetPki pki = new FleetPki("bench fleet CA");
        Instant now = Instant.now();
        for (int i = 0; i < N; i++) {
            String id = String.format("dev-%07d", i);
            FleetPki.Issued device = pki.device(id);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                    .x509CertChain(List.of(Base64.encode(device.cert().getEncoded()))).build(),
                    new JWTClaimsSet.Builder().issuer(id).subject(id).audience(AUDIENCE).jwtID("jti-" + i)
                            .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(280))).build());
            jwt.sign(new ECDSASigner((java.security.interfaces.ECPrivateKey) device.keys().getPrivate()));
            assertions.add(jwt.serialize());
            keys.add(new ECKey.Builder(Curve.P_256, (ECPublicKey) device.keys().getPublic()).build());
            String compact = jwt.serialize();
            signed.add(compact.substring(0, compact.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII));
            signatureBytes.add(jwt.getSignature().decode());
            publicKeys.add(device.keys().getPublic());
            if (!signatures.verify(TokenAlgorithm.ES256, publicKeys.get(i), signed.get(i), signed.get(i).length,
                    signatureBytes.get(i))) {
                throw new IllegalStateException("the floor's verify must succeed");
            }
        }
    }

    /** The one read a token request does now. */
    @Benchmark
    public DecodedAssertion read() throws Exception {
        next = (next + 1) & (N - 1);
        return ClientAssertionVerifier.decode(assertions.get(next));
    }

    /** The read and the check of the read form: what the verifier does per zero-touch token request. */
    @Benchmark
    public ClientAssertion readAndCheck() throws Exception {
        next = (next + 1) & (N - 1);
        JWK key = keys.get(next);
        return verifier.verify(ClientAssertionVerifier.decode(assertions.get(next)), id -> Optional.of(key));
    }

    /**
     * The crypto floor of {@link #readAndCheck}: the native ES256 verify alone. With the JDK's key object, as the
     * broker holds keys: ACCP translates it on each {@code initVerify} (about 2 µs). Keys translated once through
     * ACCP's {@code KeyFactory} cannot be kept for a reused {@code Signature}: ACCP 2.5 releases such a key when the
     * engine is initialised with the next one, and its next use throws "Key has been destroyed".
     */
    @Benchmark
    public boolean verifyOnly() throws Exception {
        next = (next + 1) & (N - 1);
        return signatures.verify(TokenAlgorithm.ES256, publicKeys.get(next), signed.get(next), signed.get(next).length,
                signatureBytes.get(next));
    }

    /** The second read the enrollment front did before (header and payload as Vert.x JSON; x5c taken, not parsed). */
    @Benchmark
    public Object secondReadNoLongerDone() {
        next = (next + 1) & (N - 1);
        String[] parts = assertions.get(next).split("\\.", -1);
        JsonObject header = json(parts[0]);
        JsonObject payload = json(parts[1]);
        return new Object[] {header.getValue("alg"), header.getValue("x5c"), payload.getValue("iss")};
    }

    private static JsonObject json(String base64url) {
        return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(base64url), StandardCharsets.UTF_8));
    }
}
