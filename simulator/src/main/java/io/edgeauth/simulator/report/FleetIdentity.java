package io.edgeauth.simulator.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings in a result's parameters that define which fleet its shards belong to. Shards that differ in any of
 * them are not parts of one fleet: merged, their counts add up to a fleet nobody ran (tour AB, AB10: 2,010 devices of
 * two fleets passed as a 3,000-device fleet). Rates, concurrency, threads and addresses may differ per shard.
 */
final class FleetIdentity {
    /** Fleet size and identities, what each device does, and what the verdict counts. */
    static final List<String> KEYS = List.of("devices", "devicePrefix", "keyType", "tenant", "onboarding", "tokenSource",
            "tokenFormat", "scenario", "messagesPerSession", "chaosShare", "chaosKinds", "observer", "protocols", "mqttVersion");

    private FleetIdentity() {
    }

    /** Null when every result agrees with the first on {@link #KEYS}, else every difference, naming the shards. */
    static String mismatch(List<RunResult> results) {
        RunResult first = results.get(0);
        List<String> differences = new ArrayList<>();
        for (RunResult r : results.subList(1, results.size())) {
            for (String key : KEYS) {
                Object a = normal(first.parameters().get(key));
                Object b = normal(r.parameters().get(key));
                if (!Objects.equals(a, b)) {
                    differences.add(key + " " + a + " (shard " + String.join(",", first.shards()) + ") vs " + b + " (shard "
                            + String.join(",", r.shards()) + ")");
                }
            }
        }
        return differences.isEmpty() ? null : "the results are not shards of one fleet: " + String.join("; ", differences);
    }

    /** The planned fleet size the results name, or -1. */
    static long devices(RunResult r) {
        return r.parameters().get("devices") instanceof Number n ? n.longValue() : -1;
    }

    /** JSON gives 3000 back as an Integer where the run wrote a Long, 0.1 as a Double: compare numbers by value. */
    private static Object normal(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue() == Math.rint(n.doubleValue()) ? (Object) n.longValue() : (Object) n.doubleValue();
        }
        return v;
    }
}
