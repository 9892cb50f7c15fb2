package io.edgeauth.broker.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-tenant signing keys in a {@link KeyVault}: on disk under {@code <data>/keys/<tenant>/} (one
 * {@code <kid>.jwk.json} private JWK per key and a {@code state.json} naming the active key and the
 * retired ones with the time after which they may be dropped; directories 700, files 600) or, for
 * several nodes, encrypted in the shared store, where a rotation on one node reaches every node's
 * snapshot through the vault's change notices. Key material is never logged (the kid only).
 *
 * <p>A tenant without keys gets one on first start (ES256/P-256 by default, Ed25519 or RSA 2048 as
 * configured). {@link #rotate} makes a new key the signer; the old public key stays in the JWKS and
 * keeps verifying until every token it signed has expired (retired-at + max token lifetime + clock
 * leeway), then {@link #pruneExpired} deletes it. If the configured algorithm of a tenant changes, the
 * store rotates to a key of the new algorithm at start. Keys the shared store lost are written back (retired).
 *
 * <p>Thread-safety: lookups read an immutable snapshot through a volatile field and never block or do
 * I/O; {@link #rotate} and {@link #pruneExpired} are serialised and write the files before publishing
 * the new snapshot.
 */
public final class SigningKeyStore implements KeyResolver {
    private static final Logger LOG = LoggerFactory.getLogger(SigningKeyStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LEEWAY_MARGIN = Duration.ofSeconds(30);

    /** A key of a tenant that still verifies: the active one (dropAfter null) or a retired one. */
    private record Entry(JWK jwk, VerificationKey key, Instant retiredAt, Instant dropAfter) {
    }

    /** Immutable snapshot of one tenant. */
    private record TenantState(TenantKeySettings settings, SigningKey active, List<Entry> entries,
                               Map<String, VerificationKey> byKid, Map<String, Instant> dropAfter) {
    }

    private final KeyVault vault;
    private final Duration maxTokenLifetime;
    private final Clock clock;
    private volatile Map<String, TenantState> tenants; // tenantId -> state
    private volatile Map<String, String> issuers;      // issuer -> tenantId

    private SigningKeyStore(KeyVault vault, Duration maxTokenLifetime, Clock clock) {
        this.vault = vault;
        this.maxTokenLifetime = maxTokenLifetime;
        this.clock = clock;
    }

    /**
     * Opens (and on first start creates) the key store.
     *
     * @param dataDir          the broker's data directory; keys go to {@code dataDir/keys}
     * @param tenants          tenant settings (ids and issuers unique)
     * @param maxTokenLifetime the longest lifetime any token signed by these keys can have; a retired
     *                         key verifies for this long (plus 30 s leeway) after rotation
     * @param clock            time source
     * @throws IOException if a key file is unreadable or corrupt (refuse to start rather than silently
     *                     replace keys that outstanding tokens still need)
     */
    public static SigningKeyStore open(Path dataDir, Collection<TenantKeySettings> tenants,
                                       Duration maxTokenLifetime, Clock clock) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        return open(new FileKeyVault(dataDir.resolve("keys")), tenants, maxTokenLifetime, clock);
    }

    /** Opens the key store on {@code vault}; with a shared vault, other nodes' rotations are followed. */
    public static SigningKeyStore open(KeyVault vault, Collection<TenantKeySettings> tenants,
                                       Duration maxTokenLifetime, Clock clock) throws IOException {
        Objects.requireNonNull(vault, "vault");
        Objects.requireNonNull(clock, "clock");
        if (maxTokenLifetime == null || maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
            throw new IllegalArgumentException("maxTokenLifetime must be positive");
        }
        SigningKeyStore store = new SigningKeyStore(vault, maxTokenLifetime, clock);
        synchronized (store) { // a change another node makes while we load waits, then is read on top
            vault.onChange(store::reload);
            Map<String, TenantState> states = new LinkedHashMap<>();
            Map<String, String> byIssuer = new HashMap<>();
            for (TenantKeySettings s : tenants) {
                if (states.containsKey(s.tenantId())) {
                    throw new IllegalArgumentException("duplicate tenant " + s.tenantId());
                }
                if (byIssuer.putIfAbsent(s.issuer(), s.tenantId()) != null) {
                    throw new IllegalArgumentException("issuer " + s.issuer() + " configured for two tenants");
                }
                states.put(s.tenantId(), store.load(s));
            }
            store.tenants = Map.copyOf(states);
            store.issuers = Map.copyOf(byIssuer);
        }
        return store;
    }

    /**
     * Another node changed a tenant's keys, or (tenantId null) the feed lost track of changes and every tenant is read
     * again. Keys this node holds that the stored state lacks (Redis lost its data, or a node that then found no state
     * made a fresh key) are written back as retired ones: the tokens they signed verify until they expire.
     */
    private synchronized void reload(String tenantId) {
        if (tenantId == null) {
            tenants.keySet().forEach(this::reload);
            return;
        }
        TenantState current = tenants.get(tenantId);
        if (current == null) {
            return;
        }
        try {
            Optional<TenantState> stored = read(current.settings());
            TenantState next = stored.isEmpty() || kept(stored.get(), current) != stored.get()
                    ? vault.exclusive(tenantId, () -> restored(current)) : stored.get();
            if (!next.active().kid().equals(current.active().kid()) || next.entries().size() != current.entries().size()) {
                LOG.info("tenant {}: signing keys changed on another node, active kid {}", tenantId, next.active().kid());
            }
            publish(next);
        } catch (IOException | RuntimeException e) {
            LOG.warn("tenant {}: cannot reload signing keys changed on another node: {}", tenantId, e.toString());
        }
    }

    /** Writes back (under the tenant's lock) what the stored state lacks of {@code held}; returns the state now stored. */
    private TenantState restored(TenantState held) throws IOException {
        String tenant = held.settings().tenantId();
        Optional<TenantState> stored = read(held.settings());
        TenantState next = stored.isPresent() ? kept(stored.get(), held) : held;
        if (stored.isPresent() && next == stored.get()) {
            return next; // another node wrote them back meanwhile
        }
        for (Entry e : next.entries()) {
            if (vault.findKey(tenant, e.jwk().getKeyID()).isEmpty()) {
                vault.writeKey(tenant, e.jwk().getKeyID(), e.jwk().toJSONString()); // keys before the state naming them
            }
        }
        if (stored.isPresent()) {
            vault.writeState(tenant, stateJson(next));
        } else if (!vault.createState(tenant, stateJson(next))) { // a node starting without the lock got there first
            return restored(held);
        }
        LOG.warn("tenant {}: the store had lost signing keys this node holds (Redis lost data?): written back, active kid"
                + " {}, {} retired until their tokens expire", tenant, next.active().kid(), next.entries().size() - 1);
        return next;
    }

    /** {@code stored} plus the keys of {@code held} it lacks, retired (as by a rotation); itself if it lacks none. */
    private TenantState kept(TenantState stored, TenantState held) throws IOException {
        Instant now = clock.instant();
        List<Entry> retired = new ArrayList<>(stored.entries().subList(1, stored.entries().size()));
        for (Entry e : held.entries()) {
            if (stored.byKid().containsKey(e.jwk().getKeyID())) {
                continue;
            }
            if (e.dropAfter() == null) {
                retired.add(new Entry(e.jwk(), e.key(), now, now.plus(maxTokenLifetime).plus(LEEWAY_MARGIN)));
            } else if (now.plus(LEEWAY_MARGIN).isBefore(e.dropAfter())) { // one about to be pruned elsewhere stays out
                retired.add(e);
            }
        }
        return retired.size() == stored.entries().size() - 1 ? stored
                : build(stored.settings(), stored.entries().get(0).jwk(), retired);
    }

    /** Tenant ids in this store. */
    public Set<String> tenantIds() {
        return tenants.keySet();
    }

    /** Settings of a tenant. @throws IllegalArgumentException for an unknown tenant */
    public TenantKeySettings settings(String tenantId) {
        return state(tenantId).settings();
    }

    /** The key that signs new tokens of a tenant. @throws IllegalArgumentException for an unknown tenant */
    public SigningKey activeKey(String tenantId) {
        return state(tenantId).active();
    }

    @Override
    public KeyResolution resolve(String issuer, String kid) {
        String tenantId = issuer == null ? null : issuers.get(issuer);
        if (tenantId == null) {
            return KeyResolution.unknownIssuer();
        }
        TenantState st = tenants.get(tenantId);
        VerificationKey key = kid == null ? null : st.byKid().get(kid);
        if (key == null) {
            return KeyResolution.unknownKey();
        }
        Instant drop = st.dropAfter().get(kid);
        if (drop != null && !clock.instant().isBefore(drop)) {
            return KeyResolution.unknownKey(); // retired long enough: every token it signed has expired
        }
        return KeyResolution.found(key);
    }

    /** Public JWKS of one tenant (active and still-verifying retired keys; never secrets). */
    public JWKSet publicJwks(String tenantId) {
        return new JWKSet(publicKeys(state(tenantId)));
    }

    /** Public JWKS of all tenants together (what {@code /.well-known/jwks.json} serves). */
    public JWKSet publicJwks() {
        List<JWK> all = new ArrayList<>();
        for (TenantState st : tenants.values()) {
            all.addAll(publicKeys(st));
        }
        return new JWKSet(all);
    }

    /**
     * Makes a new key the signer of a tenant; the old one is retired and keeps verifying until every
     * token it signed has expired. Returns the new kid.
     */
    public synchronized String rotate(String tenantId) throws IOException {
        TenantState before = state(tenantId);
        TenantState next = vault.exclusive(tenantId, () -> {
            // with a shared vault another node may have rotated since our snapshot: start from the stored state
            TenantState st = read(before.settings()).orElse(before);
            return rotated(st, st.settings().algorithm());
        });
        publish(next);
        LOG.info("rotated signing key of tenant {}: new kid {}, retired kid {}", tenantId,
                next.active().kid(), before.active().kid());
        return next.active().kid();
    }

    /** Deletes retired keys whose tokens have all expired. Returns how many were dropped. */
    public synchronized int pruneExpired() throws IOException {
        int dropped = 0;
        for (TenantState st : tenants.values()) {
            TenantState next = pruned(st);
            dropped += st.entries().size() - next.entries().size();
            if (next != st) {
                publish(next);
            }
        }
        return dropped;
    }

    /**
     * Runs {@link #pruneExpired} every {@code period} on {@code scheduler} (failures are logged and
     * retried next time). Lookups already ignore expired retired keys; pruning removes their files.
     */
    public ScheduledFuture<?> schedulePruning(ScheduledExecutorService scheduler, Duration period) {
        return PeriodicPrune.every(scheduler, period, this::pruneExpired, "retired signing keys");
    }

    private TenantState state(String tenantId) {
        TenantState st = tenantId == null ? null : tenants.get(tenantId);
        if (st == null) {
            throw new IllegalArgumentException("unknown tenant " + tenantId);
        }
        return st;
    }

    private List<JWK> publicKeys(TenantState st) {
        Instant now = clock.instant();
        List<JWK> list = new ArrayList<>();
        for (Entry e : st.entries()) {
            if (e.dropAfter() == null || now.isBefore(e.dropAfter())) {
                list.add(e.jwk().toPublicJWK());
            }
        }
        return list;
    }

    private void publish(TenantState next) {
        Map<String, TenantState> copy = new LinkedHashMap<>(tenants);
        copy.put(next.settings().tenantId(), next);
        tenants = Map.copyOf(copy);
    }

    private TenantState load(TenantKeySettings s) throws IOException {
        Optional<TenantState> stored = read(s);
        if (stored.isEmpty()) {
            TenantState fresh = build(s, newKey(s), List.of());
            if (vault.createState(s.tenantId(), stateJson(fresh))) {
                LOG.info("generated {} signing key for tenant {}: kid {}", s.algorithm(), s.tenantId(), fresh.active().kid());
                return fresh;
            }
            vault.deleteKey(s.tenantId(), fresh.active().kid()); // another node created the tenant's first key
            stored = read(s);
            if (stored.isEmpty()) {
                throw new IOException("tenant " + s.tenantId() + ": key state vanished while starting");
            }
        }
        TenantState st = pruned(stored.get());
        if (st.active().algorithm() != s.algorithm() || s.token() != null && st.active().token() == null) {
            LOG.info("tenant {}: configured algorithm or key location changed ({}{}), rotating", s.tenantId(),
                    s.algorithm(), s.token() == null ? "" : " in " + s.token());
            TenantState current = st;
            st = vault.exclusive(s.tenantId(), () -> rotated(current, s.algorithm()));
        } else if (st != stored.get()) {
            vault.writeState(s.tenantId(), stateJson(st));
        }
        LOG.info("loaded signing keys of tenant {}: active kid {}, {} retired", s.tenantId(), st.active().kid(),
                st.entries().size() - 1);
        return st;
    }

    /** The tenant's stored state with its keys, or empty before its first key. */
    private Optional<TenantState> read(TenantKeySettings s) throws IOException {
        Optional<String> text = vault.readState(s.tenantId());
        if (text.isEmpty()) {
            return Optional.empty();
        }
        JsonNode state = JSON.readTree(text.get());
        JWK active = readKey(s, state.path("active").asText(null));
        List<Entry> retired = new ArrayList<>();
        for (JsonNode r : state.path("retired")) {
            String kid = r.path("kid").asText(null);
            try {
                JWK jwk = readKey(s, kid);
                retired.add(entry(s, jwk, Instant.parse(r.path("retiredAt").asText()),
                        Instant.parse(r.path("dropAfter").asText())));
            } catch (IOException | RuntimeException e) {
                // a retired key only matters for old tokens: losing it must not stop the broker
                LOG.warn("tenant {}: skipping unreadable retired key {}: {}", s.tenantId(), kid, e.getMessage());
            }
        }
        return Optional.of(build(s, active, retired));
    }

    private TenantState rotated(TenantState st, TokenAlgorithm alg) throws IOException {
        TenantKeySettings s = st.settings();
        Instant now = clock.instant();
        Instant dropAfter = now.plus(maxTokenLifetime).plus(LEEWAY_MARGIN);
        List<Entry> retired = new ArrayList<>();
        for (Entry e : st.entries()) {
            if (e.jwk().getKeyID().equals(st.active().kid())) {
                retired.add(new Entry(e.jwk(), e.key(), now, dropAfter));
            } else {
                retired.add(e);
            }
        }
        TenantKeySettings withAlg = new TenantKeySettings(s.tenantId(), s.issuer(), alg, s.hs256(), s.token());
        TenantState next = build(withAlg, newKey(withAlg), retired);
        vault.writeState(s.tenantId(), stateJson(next)); // state last: until it is written, the old key stays the active one
        return pruned(next);
    }

    private TenantState pruned(TenantState st) throws IOException {
        Instant now = clock.instant();
        List<Entry> keep = new ArrayList<>();
        List<String> drop = new ArrayList<>();
        for (Entry e : st.entries()) {
            if (e.dropAfter() != null && !now.isBefore(e.dropAfter())) {
                drop.add(e.jwk().getKeyID());
            } else {
                keep.add(e);
            }
        }
        if (drop.isEmpty()) {
            return st;
        }
        String tenant = st.settings().tenantId();
        TenantState next = build(st.settings(), st.entries().get(0).jwk(), keep.subList(1, keep.size()));
        vault.writeState(tenant, stateJson(next));
        for (String kid : drop) {
            vault.deleteKey(tenant, kid);
            if (st.settings().token() != null) {
                st.settings().token().delete(kid);
            }
            LOG.info("tenant {}: pruned retired key {}", st.settings().tenantId(), kid);
        }
        return next;
    }

    private JWK newKey(TenantKeySettings s) throws IOException {
        if (s.token() != null) { // generated in the token; the vault keeps only the public JWK
            JWK jwk = s.token().generate(s.algorithm());
            vault.writeKey(s.tenantId(), jwk.getKeyID(), jwk.toJSONString());
            LOG.info("tenant {}: new {} key {} generated in {}", s.tenantId(), s.algorithm(), jwk.getKeyID(), s.token());
            return jwk;
        }
        try {
            JWK jwk = JwkKeys.generate(s.algorithm());
            vault.writeKey(s.tenantId(), jwk.getKeyID(), jwk.toJSONString());
            return jwk;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate " + s.algorithm() + " key", e);
        }
    }

    private JWK readKey(TenantKeySettings s, String kid) throws IOException {
        String tenant = s.tenantId();
        // the kid comes from our own state, but it still becomes a file name or store key: only thumbprints pass
        if (!KeyIds.isThumbprint(kid)) {
            throw new IOException("invalid kid in key state of " + tenant);
        }
        try {
            JWK jwk = JWK.parse(vault.readKey(tenant, kid));
            // a token tenant's files hold public keys; a private one is from before the token and is rotated away at start
            if (!kid.equals(JwkKeys.thumbprint(jwk.toPublicJWK())) || s.token() == null && !jwk.isPrivate()) {
                throw new IOException("key file " + kid + " does not hold the "
                        + (s.token() == null ? "private " : "") + "key for that kid");
            }
            return jwk;
        } catch (ParseException e) {
            throw new IOException("corrupt key file " + kid, e);
        }
    }

    /** Builds the snapshot: entry 0 is the active key. */
    private TenantState build(TenantKeySettings s, JWK active, List<Entry> retired) throws IOException {
        TokenAlgorithm alg = TokenAlgorithm.fromJose(active.getAlgorithm() == null ? null : active.getAlgorithm().getName());
        if (alg == null) {
            throw new IOException("key " + active.getKeyID() + " has no supported alg");
        }
        SigningKey signing;
        try {
            PublicKey pub = JwkKeys.publicKey(active);
            signing = s.token() == null || active.isPrivate()
                    ? new SigningKey(s.tenantId(), s.issuer(), active.getKeyID(), alg, JwkKeys.privateKey(active), pub)
                    : new SigningKey(s.tenantId(), s.issuer(), active.getKeyID(), alg,
                            s.token().privateKey(active.getKeyID(), pub), pub, s.token());
        } catch (GeneralSecurityException e) {
            throw new IOException("unusable key " + active.getKeyID(), e);
        }
        List<Entry> entries = new ArrayList<>();
        entries.add(entry(s, active, null, null));
        entries.addAll(retired);
        Map<String, VerificationKey> byKid = new HashMap<>();
        Map<String, Instant> dropAfter = new HashMap<>();
        for (Entry e : entries) {
            byKid.put(e.jwk().getKeyID(), e.key());
            if (e.dropAfter() != null) {
                dropAfter.put(e.jwk().getKeyID(), e.dropAfter());
            }
        }
        if (s.hs256() != null) {
            if (byKid.containsKey(s.hs256().kid())) {
                throw new IllegalArgumentException("HS256 kid collides with a signing key id");
            }
            byKid.put(s.hs256().kid(), new VerificationKey(s.issuer(), s.hs256().kid(), s.hs256().toKey(),
                    Set.of(TokenAlgorithm.HS256), s.tenantId(), Set.of()));
        }
        return new TenantState(s, signing, List.copyOf(entries), Map.copyOf(byKid), Map.copyOf(dropAfter));
    }

    private Entry entry(TenantKeySettings s, JWK jwk, Instant retiredAt, Instant dropAfter) throws IOException {
        TokenAlgorithm alg = TokenAlgorithm.fromJose(jwk.getAlgorithm() == null ? null : jwk.getAlgorithm().getName());
        try {
            PublicKey pub = JwkKeys.publicKey(jwk);
            VerificationKey key = new VerificationKey(s.issuer(), jwk.getKeyID(), pub, Set.of(alg), s.tenantId(), Set.of());
            return new Entry(jwk, key, retiredAt, dropAfter);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IOException("unusable key " + jwk.getKeyID(), e);
        }
    }

    private static String stateJson(TenantState st) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("active", st.active().kid());
        ArrayNode retired = root.putArray("retired");
        for (Entry e : st.entries()) {
            if (e.dropAfter() != null) {
                retired.addObject().put("kid", e.jwk().getKeyID())
                        .put("retiredAt", e.retiredAt().toString())
                        .put("dropAfter", e.dropAfter().toString());
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
