package io.edgeauth.broker.audit;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A node's signing key, its JWKS and a chained log into memory, for the audit tests. */
final class AuditChainFixture {
    final JWK jwk;
    final SigningKey key;
    final JWKSet jwks;
    final Signatures signatures = new Signatures(CryptoProviders.jdk());

    AuditChainFixture() throws Exception {
        jwk = JwkKeys.generate(TokenAlgorithm.ES256);
        key = new SigningKey("default", "https://issuer.test", jwk.getKeyID(), TokenAlgorithm.ES256,
                JwkKeys.privateKey(jwk), JwkKeys.publicKey(jwk));
        jwks = new JWKSet(jwk.toPublicJWK());
    }

    CheckpointSigner signer() {
        return JwsCheckpoints.signer(() -> key, signatures);
    }

    /** A memory sink. */
    static final class Lines implements AuditSink {
        final List<String> lines = new ArrayList<>();

        @Override
        public void write(String line) {
            lines.add(line);
        }
    }

    /** {@code events} events of node {@code node} with a checkpoint every {@code every}, as lines. */
    List<String> log(String node, int events, int every) {
        return log(node, events, every, Clock.systemUTC());
    }

    /** {@link #log(String, int, int)} at the times {@code clock} gives. */
    List<String> log(String node, int events, int every, Clock clock) {
        Lines sink = new Lines();
        ChainedAuditLog log = new ChainedAuditLog(sink, new ChainedAuditLog.Settings(node, true, every), clock);
        java.util.concurrent.ScheduledExecutorService s = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            log.startCheckpoints(signer(), s, java.time.Duration.ofHours(1));
            for (int i = 0; i < events; i++) {
                log.record("auth.accepted", "ok", Map.of("sub", "pump-" + i, "protocol", "mqtt"));
            }
            log.close();
        } finally {
            s.shutdownNow();
        }
        return sink.lines;
    }

    /** A clock one second later at each reading, from {@code start}: checkpoints of a run are signed in order. */
    static Clock ticking(java.time.Instant start) {
        java.util.concurrent.atomic.AtomicLong seconds = new java.util.concurrent.atomic.AtomicLong();
        return new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return start.plusSeconds(seconds.getAndIncrement());
            }
        };
    }

    /** Chained lines of {@code node} from {@code seq} on after the line {@code after}, none of them a checkpoint. */
    static List<String> forgedAfter(String node, long seq, String after, int count) {
        List<String> out = new ArrayList<>();
        String prev = after == null ? AuditLine.GENESIS : AuditLine.hash(after);
        for (int i = 0; i < count; i++) {
            String line = AuditLine.format(java.time.Instant.parse("2026-12-08T00:00:00Z"), node, seq + i, prev,
                    "auth.accepted", "ok", Map.of("sub", "forged-" + i));
            out.add(line);
            prev = AuditLine.hash(line);
        }
        return out;
    }

    static Path write(Path file, List<String> lines) throws Exception {
        Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        return file;
    }
}
