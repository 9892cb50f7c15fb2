package io.edgeauth.broker.registry;

import com.nimbusds.jose.jwk.JWK;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/**
 * Turns an admin registration request into a {@link Device}, refusing anything malformed with a
 * message naming the field. Device ids become MQTT topic levels and CoAP path segments, so they may
 * not contain {@code / + # $} or whitespace.
 */
public final class DeviceValidator {
    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Pattern X5T = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern ETH = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern GEOHASH = Pattern.compile("[0-9b-hjkmnp-z]{1,12}");

    /** Whether {@code cell} is a GeoHash cell as regions store them: 1-12 characters, lower case. */
    public static boolean isRegionCell(String cell) {
        return cell != null && GEOHASH.matcher(cell).matches();
    }

    /** Most cells a device's {@code region} holds (a provisioning template's too: its devices get its region). */
    public static final int MAX_REGION_CELLS = 1000;
    private static final Pattern OWNER = Pattern.compile("did:pkh:eip155:[0-9]{1,12}:0x[0-9a-fA-F]{40}");
    private static final int MAX_JWK_CHARS = 4096;

    private final Set<String> tenants;
    private final Set<String> ratePlans;
    private final Clock clock;
    private final java.util.function.Predicate<String> takenByAnotherKind;
    private final Map<String, Group> groups;

    /** An enrollment group as registrations see it: its tenant, and the ids it may hold (null: any). */
    public record Group(String tenant, Pattern ids) { }

    /** Validates against the configured tenant ids and rate plan names. */
    public DeviceValidator(Set<String> tenants, Set<String> ratePlans, Clock clock) {
        this(tenants, ratePlans, clock, id -> false, Map.of());
    }

    private DeviceValidator(Set<String> tenants, Set<String> ratePlans, Clock clock,
                            java.util.function.Predicate<String> takenByAnotherKind, Map<String, Group> groups) {
        this.groups = Map.copyOf(groups);
        this.tenants = Set.copyOf(tenants);
        this.ratePlans = Collections.unmodifiableSet(new LinkedHashSet<>(ratePlans)); // listed in config order
        this.clock = clock;
        this.takenByAnotherKind = takenByAnotherKind;
    }

    /**
     * This validator, also refusing ids another kind of principal holds (service clients): principal kinds are
     * disjoint by registration, so a device can never be registered under a service's id.
     */
    /** Whether another kind of principal (a service) has the id: asked again after a create ({@link DeviceCreation}). */
    public boolean takenByAnotherKind(String id) {
        return takenByAnotherKind.test(id);
    }

    public DeviceValidator reserving(java.util.function.Predicate<String> takenByAnotherKind) {
        return new DeviceValidator(tenants, ratePlans, clock, this.takenByAnotherKind.or(takenByAnotherKind), groups);
    }

    /**
     * This validator, also accepting an {@code enrollmentGroup} credential naming one of these groups (by id) for a
     * device of the group's tenant whose id the group's {@code idPattern} admits: a record {@code GET /admin/devices/{id}}
     * answered for a group device can be sent back (bulk import of a backup, a move between stores).
     */
    public DeviceValidator withEnrollmentGroups(Map<String, Group> groups) {
        return new DeviceValidator(tenants, ratePlans, clock, takenByAnotherKind, groups);
    }

    /**
     * The fields a registration may carry: those {@code GET /admin/devices/{id}} answers, so a record read and sent
     * back is accepted ({@code createdAt} is the registry's and ignored here).
     */
    static final Set<String> FIELDS = Set.of("id", "tenant", "jwk", "x5tS256", "ethAddress", "enrollmentGroup", "region",
            "ratePlan", "owner", "createdAt");
    private static final String FIELD_LIST =
            "id, tenant, one of jwk / x5tS256 / ethAddress / enrollmentGroup, region, ratePlan, owner";

    /** Validates a request body; throws {@link IllegalArgumentException} with every problem found. */
    public Device validate(Map<String, Object> body) {
        List<String> errors = new ArrayList<>();
        // a misspelt field must not be dropped in silence: "regoin" would register a device with no region limit
        body.keySet().stream().filter(k -> !FIELDS.contains(k)).sorted().limit(4).forEach(k -> errors.add(
                "unknown field '" + quoted(k) + "' (a registration holds " + FIELD_LIST + ")"));
        String id = text(body, "id", errors);
        if (id != null && !DEVICE_ID.matcher(id).matches()) {
            errors.add("id: expected 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit");
        } else if (id != null && WalletDids.inDidNamespace(id)) {
            // wallet principals are DIDs: a device id there could be mistaken for (or taken for) a wallet
            errors.add("id: may not start with did: (the DID namespace is for wallet principals)");
        } else if (id != null && takenByAnotherKind.test(id)) {
            errors.add("id: taken by a service client (device and service ids are disjoint)");
        }
        String tenant = body.get("tenant") == null ? "default" : text(body, "tenant", errors);
        if (tenant != null && !tenants.contains(tenant)) {
            errors.add("tenant: unknown tenant '" + quoted(tenant) + "'");
        }
        Device.Credential credential = credential(body, errors);
        if (credential != null && credential.type() == Device.CredentialType.ENROLLMENT_GROUP && tenant != null) {
            Group group = groups.get(credential.value());
            if (group == null) {
                errors.add("enrollmentGroup: no enrollment group '" + quoted(credential.value()) + "' is configured");
            } else if (!group.tenant().equals(tenant)) {
                errors.add("enrollmentGroup: group '" + credential.value() + "' belongs to tenant '" + group.tenant() + "'");
            } else if (id != null && group.ids() != null && !group.ids().matcher(id).matches()) {
                errors.add("id: outside enrollment group '" + credential.value() + "''s idPattern");
            }
        }
        List<String> region = region(body.get("region"), errors);
        String plan = body.get("ratePlan") == null ? null : text(body, "ratePlan", errors);
        if (plan != null && !ratePlans.contains(plan)) {
            errors.add("ratePlan: unknown plan '" + quoted(plan) + "', expected one of " + ratePlans);
        }
        String owner = body.get("owner") == null ? null : text(body, "owner", errors);
        if (owner != null && !OWNER.matcher(owner).matches()) {
            errors.add("owner: expected a wallet DID did:pkh:eip155:<chainId>:0x<40 hex>");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        return new Device(id, tenant, credential, region, plan, owner == null ? null : normalizeOwner(owner),
                clock.instant());
    }

    /** True if {@code id} has the form every registered device id has (a syntax check only). */
    public static boolean isWellFormedId(String id) {
        return id != null && DEVICE_ID.matcher(id).matches();
    }

    /** True if {@code tenant} is a configured tenant's id. */
    public boolean knownTenant(String tenant) {
        return tenants.contains(tenant);
    }

    /** True if {@code did} has the form of a device owner, a wallet DID (a syntax check only). */
    public static boolean isWalletDid(String did) {
        return did != null && OWNER.matcher(did).matches();
    }

    /** The DID with a checksummed address, so ownership lookups compare equal. */
    public static String normalizeOwner(String did) {
        int last = did.lastIndexOf(':');
        return did.substring(0, last + 1) + Keys.toChecksumAddress(did.substring(last + 1));
    }

    private static Device.Credential credential(Map<String, Object> body, List<String> errors) {
        int given = (body.get("jwk") != null ? 1 : 0) + (body.get("x5tS256") != null ? 1 : 0)
                + (body.get("ethAddress") != null ? 1 : 0) + (body.get("enrollmentGroup") != null ? 1 : 0);
        if (given != 1) {
            errors.add("credential: exactly one of jwk, x5tS256, ethAddress or enrollmentGroup is required");
            return null;
        }
        if (body.get("enrollmentGroup") != null) {
            String group = text(body, "enrollmentGroup", errors);
            return group == null ? null : new Device.Credential(Device.CredentialType.ENROLLMENT_GROUP, group);
        }
        if (body.get("jwk") != null) {
            return jwk(body.get("jwk"), errors);
        }
        if (body.get("x5tS256") != null) {
            String v = text(body, "x5tS256", errors);
            if (v != null && !X5T.matcher(v).matches()) {
                errors.add("x5tS256: expected the base64url SHA-256 certificate thumbprint (43 characters)");
                return null;
            }
            return v == null ? null : new Device.Credential(Device.CredentialType.X5T_S256, v);
        }
        String v = text(body, "ethAddress", errors);
        if (v == null) {
            return null;
        }
        if (!ETH.matcher(v).matches()) {
            errors.add("ethAddress: expected 0x followed by 40 hex digits");
            return null;
        }
        String checksummed = Keys.toChecksumAddress(v);
        boolean mixedCase = !v.substring(2).equals(v.substring(2).toLowerCase(java.util.Locale.ROOT))
                && !v.substring(2).equals(v.substring(2).toUpperCase(java.util.Locale.ROOT));
        if (mixedCase && !checksummed.equals(v)) {
            errors.add("ethAddress: bad EIP-55 checksum");
            return null;
        }
        return new Device.Credential(Device.CredentialType.ETH_ADDRESS, checksummed);
    }

    @SuppressWarnings("unchecked")
    private static Device.Credential jwk(Object raw, List<String> errors) {
        try {
            // a JWK instance comes from the broker itself (a zero-touch enrollment's certificate key, built and
            // checked on the curve there); JSON from a request is parsed
            JWK jwk = raw instanceof JWK built ? built
                    : raw instanceof Map ? JWK.parse((Map<String, Object>) raw) : JWK.parse(String.valueOf(raw));
            String json = jwk.toJSONString();
            if (json.length() > MAX_JWK_CHARS) {
                errors.add("jwk: larger than " + MAX_JWK_CHARS + " characters");
                return null;
            }
            if (jwk.isPrivate()) {
                errors.add("jwk: contains private key material; register the public key only");
                return null;
            }
            // a key no client assertion can be verified with is refused now, not at the device's every token
            // request (tour X, X5): the type and curve as the service validator reads them (JwkKeys.publicKey), RSA of
            // 2048 bits or more, use sig, and an alg that fits the key (JwkKeys.algorithmsFor)
            if (jwk.getKeyUse() != null && !com.nimbusds.jose.jwk.KeyUse.SIGNATURE.equals(jwk.getKeyUse())
                    || io.edgeauth.broker.keys.JwkKeys.algorithmsFor(jwk,
                            java.util.EnumSet.allOf(io.edgeauth.broker.crypto.TokenAlgorithm.class)).isEmpty()) {
                errors.add("jwk: a " + jwk.getKeyType().getValue() + " key no client assertion can be verified with;"
                        + " expected EC P-256 (ES256), P-384 (ES384) or P-521 (ES512), OKP Ed25519 (EdDSA) or RSA of at"
                        + " least 2048 bits (RS256), with use sig (or no use) and no alg or one that fits the key");
                return null;
            }
            // not private (refused above), so the key is its own public form: toPublicJWK() would only build a
            // copy, and Nimbus checks an EC point on the curve in BigInteger arithmetic for every key it builds
            return new Device.Credential(Device.CredentialType.JWK, json);
        } catch (ParseException | RuntimeException e) {
            errors.add("jwk: not a valid JWK (" + quoted(String.valueOf(e.getMessage())) + ")"); // Nimbus quotes values
            return null;
        }
    }

    private static List<String> region(Object raw, List<String> errors) {
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof List<?> list) || list.size() > MAX_REGION_CELLS) {
            errors.add("region: expected a list of at most " + MAX_REGION_CELLS + " GeoHash cells");
            return List.of();
        }
        List<String> cells = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s) || !isRegionCell(s)) {
                errors.add("region: " + (o instanceof String s ? "'" + quoted(s) + "'" : "an element that is no string")
                        + " is not a GeoHash cell (1-12 of 0-9 b-h j k m n p-z)");
                return List.of();
            }
            cells.add(s);
        }
        return cells;
    }

    /**
     * A client's value as a refusal quotes it, cut to 64 characters: a reason names the value, it does not echo it
     * whole (an import's result line for each refused line carried 15,000 characters of a region "cell").
     */
    private static String quoted(String value) {
        return io.edgeauth.broker.refusal.ClientText.cut(value, 64);
    }

    private static String text(Map<String, Object> body, String key, List<String> errors) {
        Object v = body.get(key);
        if (!(v instanceof String s) || s.isEmpty()) {
            errors.add(key + ": required, a non-empty string");
            return null;
        }
        if (s.length() > 512) {
            errors.add(key + ": longer than 512 characters");
            return null;
        }
        return s;
    }
}
