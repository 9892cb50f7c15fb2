package io.edgeauth.broker.bench;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.token.BrokerTokenVerifier;
import io.edgeauth.broker.token.CachingTokenVerifier;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.broker.token.TokenPolicy;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Heap per token in the broker's verification cache ({@code tokens.verificationCacheSize}): issues N device
 * tokens with the claims a zero-touch device gets (tenant, subject, audiences, scope, geo, region, cnf) into a
 * cache as the token endpoint does, and compares the heap after a full GC before and after. Prints one line.
 * usage: java -cp ... io.edgeauth.broker.bench.VerificationCacheFootprint [tokens, default 200000]
 */
public final class VerificationCacheFootprint {
    private VerificationCacheFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path data = Files.createTempDirectory("cache-footprint");
        Clock clock = Clock.systemUTC();
        SigningKeyStore keys = SigningKeyStore.open(data, List.of(TenantKeySettings.of("default",
                "http://localhost:8080/default")), TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        Signatures signatures = new Signatures(CryptoProviders.jdk());
        TokenPolicy policy = TokenPolicy.builder().audience("http://localhost:8080").audience("edgeauth").build();
        BrokerTokenVerifier verifier = new BrokerTokenVerifier(keys, policy, signatures, clock);
        CachingTokenVerifier cache = new CachingTokenVerifier(verifier, keys, n, policy.leeway(), clock);
        TokenIssuer issuer = new TokenIssuer(keys, signatures, Duration.ofMinutes(10), clock).rememberIssuedIn(cache, verifier);
        issuer.issue(claims(0), TokenFormat.JWT); // classes loaded, keys read
        long before = usedAfterGc();
        for (int i = 1; i <= n; i++) {
            issuer.issue(claims(i), TokenFormat.JWT);
        }
        cache.size(); // keep it reachable up to here
        long after = usedAfterGc();
        System.out.printf("verification_cache tokens=%d cached=%d heap_mb=%.1f bytes/token=%d%n", n, cache.size(),
                (after - before) / 1e6, (after - before) / n);
    }

    private static TokenClaims claims(int i) {
        return TokenClaims.builder("default", String.format("ob-%07d", i))
                .audience("http://localhost:8080", "edgeauth").scope("telemetry:write", "commands:read")
                .geo("u33dc").region("eu-central").cnf(new Confirmation(null, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"))
                .lifetime(Duration.ofMinutes(10)).build();
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
