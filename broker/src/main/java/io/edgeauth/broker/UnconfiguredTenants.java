package io.edgeauth.broker;

import io.edgeauth.broker.provisioning.FleetCa;
import io.edgeauth.broker.service.ServiceClient;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up's word on tenants the store still holds records of but the config no longer names (a tenant removed from
 * {@code tenants}): one WARN per such tenant with the counts of its devices, services and fleet CAs. The broker starts
 * anyway (removing a tenant is how an operator suspends it; its records come back into force when it is configured
 * again); meanwhile its principals get no token ({@code wrong_tenant}), their earlier tokens no longer verify (the
 * tenant's issuer is gone) and admin commands to its devices are refused (docs/contract.md, "Tenants"). Stateless.
 */
final class UnconfiguredTenants {
    private static final Logger LOG = LoggerFactory.getLogger(UnconfiguredTenants.class);

    private UnconfiguredTenants() {
    }

    /** What each unconfigured tenant holds: devices, services, fleet CAs (tenant order). */
    record Held(int devices, int services, int fleetCas) { }

    static Map<String, Held> find(Set<String> configured, Map<String, Integer> devicesByTenant,
                                  Collection<ServiceClient> services, Collection<FleetCa> fleetCas) {
        Map<String, Integer> svc = count(services, ServiceClient::tenant);
        Map<String, Integer> cas = count(fleetCas, FleetCa::tenant);
        Map<String, Held> out = new TreeMap<>();
        for (Map<String, Integer> m : java.util.List.of(devicesByTenant, svc, cas)) {
            for (String tenant : m.keySet()) {
                if (!configured.contains(tenant)) {
                    out.put(tenant, new Held(devicesByTenant.getOrDefault(tenant, 0), svc.getOrDefault(tenant, 0),
                            cas.getOrDefault(tenant, 0)));
                }
            }
        }
        return out;
    }

    /** Logs one WARN per unconfigured tenant that still holds records. */
    static void warn(Set<String> configured, Map<String, Integer> devicesByTenant, Collection<ServiceClient> services,
                     Collection<FleetCa> fleetCas) {
        find(configured, devicesByTenant, services, fleetCas).forEach((tenant, h) -> LOG.warn("tenant '{}' is not"
                + " configured but the store holds {} device(s), {} service(s) and {} fleet CA(s) of it: they get no"
                + " token and their tokens do not verify until the tenant is configured again or they are deleted",
                tenant, h.devices(), h.services(), h.fleetCas()));
    }

    private static <T> Map<String, Integer> count(Collection<T> items, Function<T, String> tenant) {
        Map<String, Integer> m = new TreeMap<>();
        items.forEach(i -> m.merge(tenant.apply(i), 1, Integer::sum));
        return m;
    }
}
