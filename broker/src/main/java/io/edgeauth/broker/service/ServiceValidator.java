package io.edgeauth.broker.service;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.registry.WalletDids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.GeneralSecurityException;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns an admin registration request ({@code {id, tenant?, jwk | jwks, grants, ratePlan?}}) into a {@link ServiceClient},
 * refusing anything malformed with a message naming the field: unknown fields, ids that could be read as a
 * topic level wildcard or a DID, private key material, unsupported key types, malformed or over-wide grants.
 * Whether the id is free (no device, no other service) is the caller's check against the registries.
 */
public final class ServiceValidator {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Set<String> FIELDS = Set.of("id", "tenant", "jwk", "jwks", "grants", "ratePlan");
    static final int MAX_KEYS = 8;
    static final int MAX_GRANTS = 32;
    private static final int MAX_KEY_CHARS = 4096;

    private final Predicate<String> knownTenant;
    private final Predicate<String> knownRatePlan;
    private final Clock clock;

    public ServiceValidator(Predicate<String> knownTenant, Predicate<String> knownRatePlan, Clock clock) {
        this.knownTenant = knownTenant;
        this.knownRatePlan = knownRatePlan;
        this.clock = clock;
    }

    /** Whether the config names {@code tenant}. */
    public boolean knownTenant(String tenant) {
        return knownTenant.test(tenant);
    }

    /** Validates a request body; throws {@link IllegalArgumentException} with every problem found. */
    public ServiceClient validate(JsonObject body) {
        List<String> errors = new ArrayList<>();
        for (String field : body.fieldNames()) {
            if (!FIELDS.contains(field)) {
                // the client's text, cut, as devices and fleet CAs name it: "unknown field" alone left the typo to find
                errors.add("unknown field '" + io.edgeauth.broker.refusal.ClientText.cut(field, 64)
                        + "' (a service holds " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
                break;
            }
        }
        String id = body.getValue("id") instanceof String s ? s : null;
        if (id == null || !ID.matcher(id).matches()) {
            errors.add("id: expected 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit");
        } else if (WalletDids.inDidNamespace(id)) {
            errors.add("id: may not start with did: (the DID namespace is for wallet principals)");
        }
        Object t = body.getValue("tenant", "default");
        String tenant = t instanceof String s && knownTenant.test(s) ? s : null;
        if (tenant == null) {
            errors.add("tenant: unknown tenant");
        }
        Object plan = body.getValue("ratePlan");
        if (plan != null && !(plan instanceof String p && knownRatePlan.test(p))) {
            errors.add("ratePlan: not one of the configured ratePlans");
        }
        JWKSet keys = keys(body, errors);
        List<TopicGrant> grants = grants(body.getValue("grants"), errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        return new ServiceClient(id, tenant, keys, grants, (String) plan, clock.instant());
    }

    private static JWKSet keys(JsonObject body, List<String> errors) {
        Object one = body.getValue("jwk");
        Object set = body.getValue("jwks");
        if ((one == null) == (set == null)) {
            errors.add("credential: exactly one of jwk (one public key) or jwks ({\"keys\": [...]}) is required");
            return null;
        }
        List<Object> raw = new ArrayList<>();
        if (one != null) {
            raw.add(one);
        } else if (set instanceof JsonObject o && o.getValue("keys") instanceof JsonArray a && o.size() == 1) {
            a.forEach(raw::add);
        } else {
            errors.add("jwks: expected {\"keys\": [public JWK, ...]}");
            return null;
        }
        if (raw.isEmpty() || raw.size() > MAX_KEYS) {
            errors.add("jwks: expected 1 to " + MAX_KEYS + " keys");
            return null;
        }
        List<JWK> keys = new ArrayList<>();
        Set<String> kids = new HashSet<>();
        for (Object k : raw) {
            JWK jwk = key(k, errors);
            if (jwk == null) {
                return null;
            }
            if (raw.size() > 1 && (jwk.getKeyID() == null || !kids.add(jwk.getKeyID()))) {
                errors.add("jwks: with several keys each needs its own kid (the assertion's kid selects one)");
                return null;
            }
            keys.add(jwk);
        }
        return new JWKSet(keys);
    }

    private static JWK key(Object raw, List<String> errors) {
        if (!(raw instanceof JsonObject o)) {
            errors.add("jwk: expected a JSON object");
            return null;
        }
        String text = o.encode();
        if (text.length() > MAX_KEY_CHARS) {
            errors.add("jwk: larger than " + MAX_KEY_CHARS + " characters");
            return null;
        }
        try {
            JWK jwk = JWK.parse(text);
            if (jwk.isPrivate()) {
                errors.add("jwk: contains private key material; register the public key only");
                return null;
            }
            JwkKeys.publicKey(jwk); // the key types and curves client assertions can be verified with
            return jwk.toPublicJWK();
        } catch (ParseException | GeneralSecurityException | RuntimeException e) {
            errors.add("jwk: not a supported public JWK (EC P-256/384/521, OKP Ed25519 or RSA)");
            return null;
        }
    }

    private static List<TopicGrant> grants(Object raw, List<String> errors) {
        if (!(raw instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_GRANTS) {
            errors.add("grants: expected 1 to " + MAX_GRANTS + " strings pub:<filter> or sub:<filter>");
            return List.of();
        }
        Set<TopicGrant> grants = new LinkedHashSet<>();
        for (int i = 0; i < array.size(); i++) {
            try {
                grants.add(TopicGrant.parse(array.getValue(i) instanceof String s ? s : null));
            } catch (IllegalArgumentException e) {
                errors.add("grants[" + i + "]: " + e.getMessage());
            }
        }
        return List.copyOf(grants);
    }
}
