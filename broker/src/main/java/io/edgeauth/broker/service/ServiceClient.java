package io.edgeauth.broker.service;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.auth.ServicePrincipals;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.text.ParseException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A backend application registered by an operator: the third kind of principal beside devices and wallets.
 * It authenticates with {@code private_key_jwt} signed by one of its public keys and may do exactly what its
 * topic grants say, within its tenant. Immutable.
 *
 * @param id        client id, also the token's {@code sub} and the only MQTT client id it may use; never a
 *                  device id or a DID
 * @param tenant    the tenant every topic of its sessions is scoped to
 * @param keys      its public keys (one JWK, or a JWKS whose keys each have a distinct {@code kid})
 * @param grants    what it may publish and subscribe to
 * @param ratePlan  the rate plan its sessions publish under, or null for the broker's default plan
 * @param createdAt when it was registered
 */
public record ServiceClient(String id, String tenant, JWKSet keys, List<TopicGrant> grants, String ratePlan,
                            Instant createdAt)
        implements ServicePrincipals.Service {

    public ServiceClient {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(keys, "keys");
        grants = List.copyOf(grants);
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /**
     * The key a client assertion's {@code kid} names: the key with that {@code kid}, or whose RFC 7638 thumbprint
     * it is (the device SDK's convention), or else the only key of a single-key registration. The {@code kid} only
     * selects; the signature still has to verify with the key.
     */
    public Optional<JWK> key(String kid) {
        List<JWK> all = keys.getKeys();
        if (kid != null) {
            Optional<JWK> named = all.stream().filter(k -> kid.equals(k.getKeyID())
                    || kid.equals(io.edgeauth.broker.keys.JwkKeys.thumbprint(k))).findFirst();
            if (named.isPresent()) {
                return named;
            }
        }
        return all.size() == 1 ? Optional.of(all.get(0)) : Optional.empty();
    }

    /** Whether one of the grants covers {@code requested} (same direction, a filter reaching no further). */
    public boolean grants(TopicGrant requested) {
        return grants.stream().anyMatch(g -> g.covers(requested));
    }

    @Override
    public boolean grantsScope(String scopeEntry) {
        try {
            if (scopeEntry.startsWith("pubsub:")) {
                String filter = scopeEntry.substring("pubsub:".length());
                return grants(TopicGrant.parse("pub:" + filter)) && grants(TopicGrant.parse("sub:" + filter));
            }
            return grants(TopicGrant.parse(scopeEntry));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The record as stored and as the admin API shows it. */
    public JsonObject toJson() {
        JsonArray g = new JsonArray();
        grants.forEach(x -> g.add(x.scope()));
        JsonObject o = new JsonObject().put("id", id).put("tenant", tenant)
                .put("jwks", new JsonObject(keys.toJSONObject(true))).put("grants", g);
        if (ratePlan != null) {
            o.put("ratePlan", ratePlan);
        }
        return o.put("createdAt", createdAt.toString());
    }

    /** Reads a stored record (written by {@link #toJson}). */
    static ServiceClient fromJson(JsonObject o) {
        try {
            List<TopicGrant> grants = o.getJsonArray("grants").stream().map(x -> TopicGrant.parse((String) x)).toList();
            return new ServiceClient(o.getString("id"), o.getString("tenant"),
                    JWKSet.parse(o.getJsonObject("jwks").encode()), grants, o.getString("ratePlan"),
                    Instant.parse(o.getString("createdAt")));
        } catch (ParseException | RuntimeException e) {
            throw new IllegalStateException("corrupt service client record in the store", e);
        }
    }
}
