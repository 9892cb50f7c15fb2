package io.edgeauth.device.bench;

import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
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
 * What a device (and the simulator, per virtual device) pays in crypto: generating an identity and
 * signing a client assertion, for each key type. Run: {@code bench/jmh device-sdk DeviceCryptoBenchmark -f 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DeviceCryptoBenchmark {
    @Param({"EC_P256", "ED25519"})
    public DeviceIdentity.KeyType keyType;

    private ClientAssertions assertions;

    @Setup
    public void setUp() {
        assertions = ClientAssertions.builder(DeviceIdentity.generate("bench", keyType))
                .audience("https://broker.example/oauth/token").build();
    }

    @Benchmark
    public DeviceIdentity generateIdentity() {
        return DeviceIdentity.generate("bench", keyType);
    }

    @Benchmark
    public String signAssertion() {
        return assertions.create();
    }
}
