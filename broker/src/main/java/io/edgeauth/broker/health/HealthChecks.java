package io.edgeauth.broker.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the broker needs to serve new requests (its store, the MQTT session journal, each configured edge
 * listener), each as a named check that says why it cannot serve now, or nothing. Readiness is "every check
 * passes"; liveness is not decided here (a broker whose store is out is alive and may recover by itself).
 * Checks are added while the broker starts, then only read. Thread-safe for reading.
 */
public final class HealthChecks {
    /** A component that cannot serve now, and why (e.g. store: "closed after a write failure (...)"). */
    public record Degraded(String component, String reason) {
    }

    private final Map<String, Supplier<Optional<String>>> checks = new LinkedHashMap<>();

    /** Adds a check: {@code problem} answers why {@code component} cannot serve now, or empty while it can. */
    public synchronized HealthChecks add(String component, Supplier<Optional<String>> problem) {
        checks.put(component, problem);
        return this;
    }

    /** The components checked, in the order they were added. */
    public synchronized List<String> components() {
        return List.copyOf(checks.keySet());
    }

    /** Runs every check; a check that throws counts as degraded with what it threw. */
    public List<Degraded> degraded() {
        Map<String, Supplier<Optional<String>>> now;
        synchronized (this) {
            now = new LinkedHashMap<>(checks);
        }
        List<Degraded> out = new ArrayList<>();
        now.forEach((component, check) -> {
            try {
                check.get().ifPresent(reason -> out.add(new Degraded(component, reason)));
            } catch (RuntimeException e) {
                out.add(new Degraded(component, "health check failed: " + e));
            }
        });
        return out;
    }

    /** Why a configured listener is not usable: not bound (port -1) after start. */
    public static Supplier<Optional<String>> bound(String listener, java.util.function.IntSupplier port) {
        return () -> port.getAsInt() < 0 ? Optional.of(listener + " listener is not bound") : Optional.empty();
    }
}
