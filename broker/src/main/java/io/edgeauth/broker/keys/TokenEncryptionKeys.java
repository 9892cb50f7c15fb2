package io.edgeauth.broker.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import java.io.IOException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys tokens are encrypted to, one active pair per tenant: a P-256 key for nested JWTs (JWE with
 * {@code ECDH-ES}: anyone holding the public key could encrypt to the broker, only the broker decrypts)
 * and a 256-bit AES key for COSE_Encrypt0 CWTs (which have no recipient structure, so the key is a
 * shared secret the broker alone holds: it both issues and verifies them).
 *
 * <p>All live in the tenant's {@link KeyVault} under one entry ({@value #VAULT_ENTRY}), created on the
 * first start under the vault's lock, so every node of a deployment on a shared vault decrypts what any
 * node issued. Keys are found by their {@code kid} (unique across tenants: thumbprint-derived).
 *
 * <p>{@link #rotate} makes a fresh pair the one new tokens are encrypted to; the former pair stays in the
 * entry with an {@code exp} (rotation time + the longest token lifetime + leeway) and keeps decrypting the
 * tokens sealed to it until then, after which it refuses them and {@link #pruneExpired} (every 5 minutes, as for
 * retired signing keys: {@link #schedulePruning}) or the next rotation drops it from the vault, so no private key
 * outlives the tokens it opens by more than that (tour AA, AA11). A rotation on
 * one node of a shared vault reaches the others through the vault's change announcements. Thread-safe: each
 * tenant's ring is an immutable value swapped atomically.
 */
public final class TokenEncryptionKeys {
    private static final Logger LOG = LoggerFactory.getLogger(TokenEncryptionKeys.class);
    /** The vault entry holding a tenant's encryption keys (a private JWK set). */
    static final String VAULT_ENTRY = "token-encryption";

    /** One tenant's active pair: new tokens are encrypted to it. */
    public record TenantKeys(String tenant, ECKey jweKey, OctetSequenceKey coseKey) {
        public TenantKeys {
            Objects.requireNonNull(tenant, "tenant");
            if (!jweKey.isPrivate() || !Curve.P_256.equals(jweKey.getCurve())) {
                throw new IllegalArgumentException("tenant " + tenant + ": the JWE key must be a private P-256 key");
            }
            if (coseKey.size() != 256) {
                throw new IllegalArgumentException("tenant " + tenant + ": the COSE key must be 256 bits");
            }
        }
    }

    /** A tenant's keys: the active pair, and former keys (each with its {@code exp}) still decrypting. */
    private record Ring(TenantKeys active, List<JWK> retired) {
        List<JWK> all() {
            List<JWK> keys = new ArrayList<>(List.of(active.jweKey(), active.coseKey()));
            keys.addAll(retired);
            return keys;
        }
    }

    private final KeyVault vault;
    private final Duration retention;
    private final Clock clock;
    private volatile Map<String, Ring> byTenant = Map.of();
    private volatile Map<String, JWK> byKid = Map.of();

    /** Keys given directly (tests, or a deployment that brings its own); they cannot rotate. */
    public TokenEncryptionKeys(Collection<TenantKeys> keys) {
        this(null, Duration.ZERO, Clock.systemUTC());
        Map<String, Ring> rings = new HashMap<>();
        keys.forEach(k -> rings.put(k.tenant(), new Ring(k, List.of())));
        install(rings);
    }

    private TokenEncryptionKeys(KeyVault vault, Duration retention, Clock clock) {
        this.vault = vault;
        this.retention = retention;
        this.clock = clock;
    }

    /** Reads each tenant's keys from the vault, creating them on first use; keys kept one hour after rotation. */
    public static TokenEncryptionKeys open(KeyVault vault, Collection<String> tenants) throws IOException {
        return open(vault, tenants, Duration.ofHours(1), Clock.systemUTC());
    }

    /**
     * Reads each tenant's keys from the vault, creating them on first use, and follows other nodes' rotations.
     *
     * @param retention how long a rotated-out key keeps decrypting: the longest token lifetime plus leeway
     */
    public static TokenEncryptionKeys open(KeyVault vault, Collection<String> tenants, Duration retention,
                                           Clock clock) throws IOException {
        TokenEncryptionKeys keys = new TokenEncryptionKeys(Objects.requireNonNull(vault, "vault"), retention, clock);
        Map<String, Ring> rings = new HashMap<>();
        for (String tenant : tenants) {
            rings.put(tenant, vault.exclusive(tenant, () -> {
                Optional<String> stored = vault.findKey(tenant, VAULT_ENTRY);
                if (stored.isPresent()) {
                    return parse(tenant, stored.get());
                }
                Ring fresh = new Ring(generate(tenant), List.of());
                vault.writeKey(tenant, VAULT_ENTRY, new JWKSet(fresh.all()).toString(false));
                return fresh;
            }));
        }
        keys.install(rings);
        vault.onChange(keys::reload);
        return keys;
    }

    /**
     * Makes a fresh pair the tenant's active one; the former pair decrypts for the retention time more. Returns
     * the new pair.
     *
     * @throws IllegalArgumentException for an unknown tenant
     * @throws IllegalStateException    for keys given directly (no vault to keep a rotation in)
     */
    public TenantKeys rotate(String tenant) throws IOException {
        if (vault == null) {
            throw new IllegalStateException("token encryption keys given directly cannot rotate");
        }
        if (!byTenant.containsKey(tenant)) {
            throw new IllegalArgumentException("unknown tenant '" + tenant + "'");
        }
        Ring rotated = vault.exclusive(tenant, () -> {
            // another node may have rotated since this node's copy: start from the stored entry
            Ring stored = vault.findKey(tenant, VAULT_ENTRY).map(json -> parseUnchecked(tenant, json))
                    .orElse(byTenant.get(tenant));
            Date until = Date.from(clock.instant().plus(retention));
            List<JWK> retired = new ArrayList<>(live(stored.retired()));
            retired.add(retiredUntil(stored.active().jweKey(), until));
            retired.add(retiredUntil(stored.active().coseKey(), until));
            Ring next = new Ring(generate(tenant), List.copyOf(retired));
            vault.writeKey(tenant, VAULT_ENTRY, new JWKSet(next.all()).toString(false));
            // announce through the tenant's key state (unchanged), which every node of a shared vault follows
            Optional<String> state = vault.readState(tenant);
            if (state.isPresent()) {
                vault.writeState(tenant, state.get());
            }
            return next;
        });
        replace(tenant, rotated);
        LOG.info("rotated token encryption keys of tenant {}: new JWE kid {}", tenant, rotated.active().jweKey().getKeyID());
        return rotated.active();
    }

    /**
     * Drops from each tenant's vault entry the rotated-out keys whose {@code exp} is past (their retention, the
     * longest token lifetime plus leeway, is over: they open no token any more), under the tenant's lock and
     * announced as a rotation is. Returns how many keys were dropped. Keys given directly are left alone.
     */
    public int pruneExpired() throws IOException {
        if (vault == null) {
            return 0;
        }
        int dropped = 0;
        for (String tenant : byTenant.keySet()) {
            Ring held = byTenant.get(tenant);
            if (live(held.retired()).size() == held.retired().size()) {
                continue; // nothing expired here; another node's prune reaches this one through reload
            }
            int[] count = {0};
            Ring pruned = vault.exclusive(tenant, () -> {
                Ring stored = vault.findKey(tenant, VAULT_ENTRY).map(json -> parseUnchecked(tenant, json)).orElse(held);
                List<JWK> kept = live(stored.retired());
                count[0] = stored.retired().size() - kept.size();
                if (count[0] == 0) {
                    return stored;
                }
                Ring next = new Ring(stored.active(), kept);
                vault.writeKey(tenant, VAULT_ENTRY, new JWKSet(next.all()).toString(false));
                Optional<String> state = vault.readState(tenant);
                if (state.isPresent()) {
                    vault.writeState(tenant, state.get());
                }
                return next;
            });
            replace(tenant, pruned);
            if (count[0] > 0) {
                LOG.info("tenant {}: dropped {} expired token encryption keys", tenant, count[0]);
            }
            dropped += count[0];
        }
        return dropped;
    }

    /** Runs {@link #pruneExpired} every {@code period}; a failure is logged and tried again at the next run. */
    public java.util.concurrent.ScheduledFuture<?> schedulePruning(java.util.concurrent.ScheduledExecutorService scheduler,
                                                                   Duration period) {
        return PeriodicPrune.every(scheduler, period, this::pruneExpired, "expired token encryption keys");
    }

    /**
     * Re-reads a tenant's entry after another node changed its keys (a failure keeps the keys held). Keys this node
     * holds that the entry lacks (Redis lost its data, or a node that then found no entry made fresh keys) are written
     * back, retired, as the signing keys are: the tokens sealed to them open until they expire.
     */
    private void reload(String tenant) {
        if (tenant == null) { // the feed lost track: read every tenant again
            byTenant.keySet().forEach(this::reload);
            return;
        }
        Ring held = byTenant.get(tenant);
        if (held == null) {
            return;
        }
        try {
            Optional<Ring> stored = vault.findKey(tenant, VAULT_ENTRY).map(json -> parseUnchecked(tenant, json));
            if (stored.isPresent() && withHeld(stored.get(), held) == stored.get()) {
                replace(tenant, stored.get());
                return;
            }
            replace(tenant, vault.exclusive(tenant, () -> restored(tenant, held)));
        } catch (IOException | IllegalStateException e) {
            LOG.warn("tenant {}: token encryption keys not reloaded: {}", tenant, e.toString());
        }
    }

    /** Writes back (under the tenant's lock) what the entry lacks of {@code held}; returns the ring now stored. */
    private Ring restored(String tenant, Ring held) throws IOException {
        Optional<Ring> stored = vault.findKey(tenant, VAULT_ENTRY).map(json -> parseUnchecked(tenant, json));
        Ring next = stored.isPresent() ? withHeld(stored.get(), held) : held;
        if (stored.isPresent() && next == stored.get()) {
            return next; // another node wrote them back meanwhile
        }
        vault.writeKey(tenant, VAULT_ENTRY, new JWKSet(next.all()).toString(false));
        Optional<String> state = vault.readState(tenant); // announced as a rotation is: through the key state
        if (state.isPresent()) {
            vault.writeState(tenant, state.get());
        }
        LOG.warn("tenant {}: the store had lost token encryption keys this node holds (Redis lost data?): written back,"
                + " {} retired", tenant, next.retired().size());
        return next;
    }

    /** An active key of a pair as a retired one: it opens tokens until {@code until}. */
    private static JWK retiredUntil(JWK active, Date until) {
        return active instanceof ECKey ec ? new ECKey.Builder(ec).expirationTime(until).build()
                : new OctetSequenceKey.Builder((OctetSequenceKey) active).expirationTime(until).build();
    }

    /** {@code stored} plus the keys of {@code held} it lacks, retired for the retention time; itself if it lacks none. */
    private Ring withHeld(Ring stored, Ring held) {
        java.util.Set<String> kids = new java.util.HashSet<>();
        stored.all().forEach(k -> kids.add(k.getKeyID()));
        Date until = Date.from(clock.instant().plus(retention));
        List<JWK> retired = new ArrayList<>(stored.retired());
        for (JWK k : live(held.all().stream().filter(k -> k.getExpirationTime() != null).toList())) {
            if (!kids.contains(k.getKeyID())) {
                retired.add(k);
            }
        }
        for (JWK k : List.of(held.active().jweKey(), held.active().coseKey())) {
            if (!kids.contains(k.getKeyID())) {
                retired.add(retiredUntil(k, until));
            }
        }
        return retired.size() == stored.retired().size() ? stored : new Ring(stored.active(), List.copyOf(retired));
    }

    private synchronized void replace(String tenant, Ring ring) {
        Map<String, Ring> rings = new HashMap<>(byTenant);
        rings.put(tenant, ring);
        install(rings);
    }

    private synchronized void install(Map<String, Ring> rings) {
        Map<String, JWK> kids = new HashMap<>();
        for (Ring r : rings.values()) {
            for (JWK k : r.all()) {
                if (kids.put(k.getKeyID(), k) != null) {
                    throw new IllegalArgumentException("encryption key ids must be unique across tenants");
                }
            }
        }
        byKid = Map.copyOf(kids);
        byTenant = Map.copyOf(rings);
    }

    private List<JWK> live(List<JWK> keys) {
        Instant now = clock.instant();
        return keys.stream().filter(k -> k.getExpirationTime().toInstant().isAfter(now)).toList();
    }

    /** Fresh keys for a tenant; kids are derived from RFC 7638 thumbprints. */
    public static TenantKeys generate(String tenant) {
        try {
            ECKey ec = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.ENCRYPTION)
                    .algorithm(JWEAlgorithm.ECDH_ES).generate();
            ec = new ECKey.Builder(ec).keyIDFromThumbprint().build();
            OctetSequenceKey aes = new OctetSequenceKeyGenerator(256).keyUse(KeyUse.ENCRYPTION).generate();
            aes = new OctetSequenceKey.Builder(aes).keyIDFromThumbprint().build();
            return new TenantKeys(tenant, ec, aes);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate token encryption keys", e);
        }
    }

    private static Ring parseUnchecked(String tenant, String json) {
        try {
            return parse(tenant, json);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The active keys are the ones without {@code exp}; retired ones carry when they stop decrypting. */
    private static Ring parse(String tenant, String json) throws IOException {
        try {
            JWKSet set = JWKSet.parse(json);
            ECKey ec = null;
            OctetSequenceKey aes = null;
            List<JWK> retired = new ArrayList<>();
            for (JWK k : set.getKeys()) {
                if (k.getExpirationTime() != null) {
                    retired.add(k);
                } else if (k instanceof ECKey e && ec == null) {
                    ec = e;
                } else if (k instanceof OctetSequenceKey o && aes == null) {
                    aes = o;
                } else {
                    throw new IOException("tenant " + tenant + ": the token encryption entry has two active keys of a type");
                }
            }
            if (ec == null || aes == null) {
                throw new IOException("tenant " + tenant + ": the token encryption entry lacks a key");
            }
            return new Ring(new TenantKeys(tenant, ec, aes), List.copyOf(retired));
        } catch (ParseException | IllegalArgumentException e) {
            throw new IOException("tenant " + tenant + ": unreadable token encryption keys", e);
        }
    }

    /** The tenant's active keys, or empty for an unknown tenant. */
    public Optional<TenantKeys> forTenant(String tenant) {
        Ring r = byTenant.get(tenant);
        return r == null ? Optional.empty() : Optional.of(r.active());
    }

    /** The private P-256 key with this kid (active, or rotated out and not yet expired), or empty. */
    public Optional<ECKey> jweKey(String kid) {
        return usable(kid) instanceof ECKey k ? Optional.of(k) : Optional.empty();
    }

    /** The AES key with this kid (active, or rotated out and not yet expired), or empty. */
    public Optional<OctetSequenceKey> coseKey(String kid) {
        return usable(kid) instanceof OctetSequenceKey k ? Optional.of(k) : Optional.empty();
    }

    private JWK usable(String kid) {
        JWK k = kid == null ? null : byKid.get(kid);
        if (k == null || k.getExpirationTime() != null && !k.getExpirationTime().toInstant().isAfter(clock.instant())) {
            return null;
        }
        return k;
    }

    /** The public half of the tenant's active JWE key ({@code use: enc}): the one to encrypt to. */
    public JWKSet publicJweKeys(String tenant) {
        Ring r = byTenant.get(tenant);
        return r == null ? new JWKSet() : new JWKSet(r.active().jweKey().toPublicJWK());
    }
}
