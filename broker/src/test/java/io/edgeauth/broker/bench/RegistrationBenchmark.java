package io.edgeauth.broker.bench;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceValidator;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Validating one device registration with an EC P-256 JWK, as every admin registration, bulk-import line and
 * zero-touch enrollment does ({@link DeviceValidator#validate}), with the JWK as JSON or (zero-touch) built; and the
 * key binding step a token request no longer repeats. Bodies cycle through 256 different keys.
 * Run: {@code bench/jmh broker RegistrationBenchmark -f 1 -wi 3 -i 5 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RegistrationBenchmark {
    private static final int N = 256;
    private final List<Map<String, Object>> bodies = new java.util.ArrayList<>();
    private final List<Map<String, Object>> built = new java.util.ArrayList<>();
    private final List<String> stored = new java.util.ArrayList<>();
    private DeviceValidator validator;
    private int next;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() throws Exception {
        BrokerConfig config = new ConfigLoader().load(null, Map.of());
        validator = new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), Clock.systemUTC());
        for (int i = 0; i < N; i++) {
            Map<String, Object> body = new HashMap<>();
            body.put("id", String.format("dev-%07d", i));
            body.put("jwk", new ECKeyGenerator(Curve.P_256).generate().toPublicJWK().toJSONObject());
            body.put("region", List.of("u33d"));
            bodies.add(body);
            Map<String, Object> builtBody = new HashMap<>(body);
            builtBody.put("jwk", com.nimbusds.jose.jwk.JWK.parse((Map<String, Object>) body.get("jwk")));
            built.add(builtBody);
            stored.add(validator.validate(body).credential().value());
        }
    }

    @Benchmark
    public Device validateJwkRegistration() {
        next = (next + 1) & (N - 1);
        return validator.validate(bodies.get(next));
    }

    /** A zero-touch enrollment's registration: the JWK built from the certificate's key, handed over as it is. */
    @Benchmark
    public Device validateBuiltJwk() {
        next = (next + 1) & (N - 1);
        return validator.validate(built.get(next));
    }

    /**
     * What a token request did to bind its token to the device's key ({@code cnf.jkt}) before it took the thumbprint
     * the assertion check computed: parse the registered JWK again and hash it.
     */
    @Benchmark
    public String parseAndThumbprintRegisteredJwk() throws Exception {
        next = (next + 1) & (N - 1);
        return com.nimbusds.jose.jwk.JWK.parse(stored.get(next)).computeThumbprint().toString();
    }
}
