package io.edgeauth.broker.policy;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate plans of this node's config by name. A device's plan this node lacks (another node's config, a plan since
 * removed) is the default plan, by its name too: the device is then charged to the default plan's shared bucket
 * (keyed by the plan's name and values), as on every node that lacks the plan. Warned once per unknown name.
 */
public final class ConfiguredRatePlans implements Function<String, RatePlan> {
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredRatePlans.class);

    private final Map<String, RatePlan> plans;
    private final RatePlan defaultPlan;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** @param plans every configured plan by its name; {@code defaultName} must be one of them */
    public ConfiguredRatePlans(Map<String, RatePlan> plans, String defaultName) {
        this.plans = Map.copyOf(plans);
        this.defaultPlan = Objects.requireNonNull(this.plans.get(defaultName), () -> "no rate plan " + defaultName);
    }

    /** The plan named {@code name}, or the default plan when {@code name} is null or not configured here. */
    @Override
    public RatePlan apply(String name) {
        if (name == null) {
            return defaultPlan;
        }
        RatePlan plan = plans.get(name);
        if (plan != null) {
            return plan;
        }
        if (warned.add(name)) {
            LOG.warn("rate plan '{}' is not in this node's ratePlans: its devices get '{}' here", name, defaultPlan.name());
        }
        return defaultPlan;
    }
}
