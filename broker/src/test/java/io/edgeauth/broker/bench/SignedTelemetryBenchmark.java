package io.edgeauth.broker.bench;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.telemetry.PayloadSignatures;
import io.edgeauth.broker.telemetry.SignedTelemetry;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TelemetrySignatures;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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
 * The publish gate per message, unsigned vs signed telemetry (issue 15): ACL, rate and, when signed,
 * the device's signature checked with its registered key. The difference is the CPU a signed message
 * costs the edge. Run with {@code bench/jmh broker SignedTelemetryBenchmark -f 1 -wi 2 -i 3 -r 2s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SignedTelemetryBenchmark {
    @Param({"ACCP", "JDK"})
    public String provider;

    @Param({"EC_P256", "ED25519"})
    public String keyType;

    private PublishGate unsignedGate;
    private PublishGate signedGate;
    private TopicAcl acl;
    private final RateLimiter unlimited = new RateLimiter() {
        @Override
        public boolean tryAcquire(int bytes) {
            return true;
        }

        @Override
        public long secondsUntilAvailable() {
            return 0;
        }
    };
    private final byte[] payload = "{\"t\":21.5,\"h\":40,\"ts\":1767225600}".getBytes(StandardCharsets.UTF_8);
    private String signature;

    @Setup
    public void setUp() {
        DeviceIdentity device = DeviceIdentity.generate("pump-7", DeviceIdentity.KeyType.valueOf(keyType));
        signature = TelemetrySignatures.sign(device, payload);
        Device record = new Device("pump-7", "t", new Device.Credential(Device.CredentialType.JWK,
                device.publicJwk().toJSONString()), List.of(), null, null, Instant.now());
        CryptoProviders crypto = "ACCP".equals(provider) ? CryptoProviders.select(true) : CryptoProviders.jdk();
        GeoPolicy geo = new GeoPolicy("");
        unsignedGate = new PublishGate(geo);
        signedGate = new PublishGate(geo, new SignedTelemetry(new PayloadSignatures(new Signatures(crypto)),
                id -> Optional.of(record), Set.of("t")));
        acl = TopicAcl.of("pump-7", Set.of(), Set.of());
        if (signed() != null || unsigned() != null) {
            throw new IllegalStateException("the gate refuses the benchmark's message: " + signed());
        }
    }

    @Benchmark
    public PublishGate.Refusal unsigned() {
        return unsignedGate.check(acl, unlimited, List.of(), "d/pump-7/up/temp", payload.length, null);
    }

    @Benchmark
    public PublishGate.Refusal signed() {
        return signedGate.check(acl, unlimited, List.of(), "d/pump-7/up/temp", payload.length, null, "t", "pump-7",
                payload, signature);
    }
}
