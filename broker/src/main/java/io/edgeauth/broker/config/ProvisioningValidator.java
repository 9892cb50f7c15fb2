package io.edgeauth.broker.config;

import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks the {@code provisioning} section: ids, tenants, templates and files that exist. */
final class ProvisioningValidator {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Set<String> ID_RULES = Set.of("subject-cn", "san-dns", "san-uri");

    private ProvisioningValidator() {
    }

    static void check(BrokerConfig c, List<String> errors) {
        BrokerConfig.Provisioning p = c.provisioning();
        p.templates().forEach((name, t) -> {
            String key = "provisioning.templates." + name;
            if (t == null) {
                errors.add(key + ": expected {region, ratePlan, owner}");
                return;
            }
            t.region().stream().filter(cell -> !io.edgeauth.broker.registry.DeviceValidator.isRegionCell(cell)).findFirst()
                    .ifPresent(cell -> errors.add(key + ".region: '" + cell + "' is not a GeoHash cell"));
            if (t.region().size() > io.edgeauth.broker.registry.DeviceValidator.MAX_REGION_CELLS) {
                // every device enrolled under it would be refused by the registry (tour G, G9)
                errors.add(key + ".region: " + t.region().size() + " cells; a device's region holds at most "
                        + io.edgeauth.broker.registry.DeviceValidator.MAX_REGION_CELLS);
            }
            if (t.ratePlan() != null && !c.ratePlans().containsKey(t.ratePlan())) {
                errors.add(key + ".ratePlan: unknown plan '" + t.ratePlan() + "', expected one of " + c.ratePlans().keySet());
            }
            if (t.owner() != null && !t.owner().matches("did:pkh:eip155:[0-9]{1,12}:0x[0-9a-fA-F]{40}")) {
                errors.add(key + ".owner: expected a wallet DID did:pkh:eip155:<chainId>:0x<40 hex>");
            }
        });
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < p.fleetCas().size(); i++) {
            BrokerConfig.FleetCa ca = p.fleetCas().get(i);
            String key = "provisioning.fleetCas[" + i + "]";
            common(c, errors, key, ca.id(), ca.tenant(), ca.template(), ids);
            if (ca.certificateFile() == null || !Files.isReadable(ca.certificateFile())) {
                errors.add(key + ".certificateFile: a readable PEM file with the CA certificate is required");
            }
            if (ca.crlFile() != null && !Files.isReadable(ca.crlFile())) {
                errors.add(key + ".crlFile: not readable: " + ca.crlFile());
            }
            if (!ID_RULES.contains(ca.deviceIdFrom())) {
                errors.add(key + ".deviceIdFrom: expected one of " + ID_RULES + ", got '" + ca.deviceIdFrom() + "'");
            }
        }
        List<byte[]> secrets = new java.util.ArrayList<>();
        for (int i = 0; i < p.enrollmentGroups().size(); i++) {
            BrokerConfig.EnrollmentGroup g = p.enrollmentGroups().get(i);
            String key = "provisioning.enrollmentGroups[" + i + "]";
            common(c, errors, key, g.id(), g.tenant(), g.template(), ids);
            byte[] secret = g.secretFile() == null || !Files.isReadable(g.secretFile()) ? null : read(g.secretFile());
            secrets.add(secret);
            if (secret == null) {
                errors.add(key + ".secretFile: a readable file with the group secret (>= 32 bytes) is required");
            } else if (secret.length < 32) {
                errors.add(key + ".secretFile: holds " + secret.length + " bytes; a group secret has at least 32");
            }
            // a device key is HKDF(secret, device id), nothing of the group in it: groups of two tenants with one
            // secret let either tenant's factory enroll any id into the other tenant (tour L, L3)
            for (int j = 0; j < i && secret != null; j++) {
                BrokerConfig.EnrollmentGroup other = p.enrollmentGroups().get(j);
                if (secrets.get(j) != null && !java.util.Objects.equals(other.tenant(), g.tenant())
                        && java.security.MessageDigest.isEqual(secrets.get(j), secret)) {
                    errors.add(key + ".secretFile: the same secret as provisioning.enrollmentGroups[" + j + "] of tenant '"
                            + other.tenant() + "'; groups of different tenants need their own secrets");
                }
            }
            if (g.idPattern() != null) {
                try {
                    java.util.regex.Pattern.compile(g.idPattern());
                } catch (java.util.regex.PatternSyntaxException e) {
                    errors.add(key + ".idPattern: not a regular expression: " + e.getDescription());
                }
            }
        }
    }

    private static byte[] read(java.nio.file.Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            return null; // reported as unreadable
        }
    }

    private static void common(BrokerConfig c, List<String> errors, String key, String id, String tenant,
                               String template, Set<String> ids) {
        if (id == null || !ID.matcher(id).matches()) {
            errors.add(key + ".id: expected 1-64 of A-Z a-z 0-9 _ . - starting with a letter or digit");
        } else if (!ids.add(id)) {
            errors.add(key + ".id: '" + id + "' is used twice");
        }
        if (c.tenant(tenant) == null) {
            errors.add(key + ".tenant: unknown tenant '" + tenant + "'");
        }
        if (!c.provisioning().templates().containsKey(template)) {
            errors.add(key + ".template: unknown template '" + template + "', expected one of "
                    + c.provisioning().templates().keySet());
        }
    }
}
