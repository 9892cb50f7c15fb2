package io.edgeauth.broker.revocation;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.Fingerprints;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocations by {@code jti}, subject and signing key. Durable in the {@link Store}, mirrored in memory
 * so {@link #check} costs a few hash lookups. A revocation is kept until no token it covers can still
 * be valid (revocation time + maximum token lifetime + leeway), then pruned; an operator's subject
 * revocation also blocks every token of the subject and all issuance to it until {@link #lift lifted}
 * (see docs/revocation.md). Listeners hear of each new revocation so live sessions can be dropped at
 * once: this node's own, and (with a shared store) every other node's, which the {@link ChangeFeed}
 * brings in order and without loss; a lift travels the same way. Thread-safe.
 */
public final class RevocationService implements RevocationChecker, RevocationEvents, SubjectBlocks {
    private static final Logger LOG = LoggerFactory.getLogger(RevocationService.class);
    static final String SPACE = StoredRevocations.SPACE;
    static final String FEED = StoredRevocations.FEED;

    private final Store store;
    private final ChangeFeed feed;
    private final Clock clock;
    private final Duration coverage;
    private final Duration leeway;
    private final StoredRevocations records;
    private final Map<String, Revocation> byJti = new ConcurrentHashMap<>();
    private final Map<String, Revocation> bySub = new ConcurrentHashMap<>();
    private final Map<String, Revocation> byKid = new ConcurrentHashMap<>();
    private final Map<String, Revocation> byIssuer = new ConcurrentHashMap<>();
    private final Map<String, Revocation> byIssuerKey = new ConcurrentHashMap<>();
    private final Map<String, Revocation> byFleetCa = new ConcurrentHashMap<>();
    private final List<Consumer<Revocation>> listeners = new CopyOnWriteArrayList<>();

    /**
     * @param maxTokenLifetime the longest lifetime any accepted token can have
     * @param leeway           the clock leeway applied to {@code exp}
     */
    public RevocationService(Store store, Clock clock, Duration maxTokenLifetime, Duration leeway) {
        this(store, new LocalChangeFeed(store), clock, maxTokenLifetime, leeway);
    }

    /** Revocations shared with every node following {@code feed}. */
    public RevocationService(Store store, ChangeFeed feed, Clock clock, Duration maxTokenLifetime, Duration leeway) {
        this.store = store;
        this.feed = feed;
        this.clock = clock;
        this.coverage = maxTokenLifetime.plus(leeway);
        this.leeway = leeway;
        this.records = new StoredRevocations(store, feed);
        synchronized (this) { // changes arriving during the load wait, then apply on top of it
            feed.follow(FEED, this::apply, this::reload);
            store.forEach(SPACE, (key, bytes) -> index(decode(bytes)));
        }
    }

    /**
     * Revokes and tells listeners; returns the stored revocation. A subject revocation made this way covers
     * the tokens issued so far; {@link #revokeSubjectUntilLifted} also blocks the subject.
     */
    public Revocation revoke(Revocation.Kind kind, String value, String reason) {
        return revoke(kind, value, reason, false);
    }

    /**
     * Revokes every token one issuer's key signed, whatever its date: until {@link #lift lifted} for a key the broker
     * does not own (an outside issuer's, which can sign new tokens at any time: tour X, X6), else while a token it
     * signed up to now may be valid (the broker's own key: rotate, so that it signs no more).
     */
    public Revocation revokeKey(String issuer, String kid, String reason, boolean untilLifted) {
        return revoke(Revocation.Kind.KID, Revocation.issuerKey(issuer, kid), reason, untilLifted);
    }

    /** Revokes a subject's tokens and blocks all issuance to it until {@link #lift}. */
    public Revocation revokeSubjectUntilLifted(String subject, String reason) {
        return revoke(Revocation.Kind.SUB, subject, reason, true);
    }

    /**
     * Revokes the tokens of a trusted outside issuer that is no longer trusted: every token it issued up to now,
     * so every session opened with one ends (see {@link #revokeTrusted}).
     */
    public Revocation revokeIssuer(String issuer, String reason) {
        return revokeTrusted(Revocation.Kind.ISSUER, issuer, reason);
    }

    /** Revokes the tokens a trusted outside issuer's key signed up to now (the key left its JWKS). */
    public Revocation revokeIssuerKey(String issuer, String kid, String reason) {
        return revokeTrusted(Revocation.Kind.ISSUER_KEY, Revocation.issuerKey(issuer, kid), reason);
    }

    /**
     * Revokes the tokens of the devices a fleet CA provisioned ({@code fleet_ca}), once the CA is withdrawn: those
     * issued up to now + leeway, which also covers a token another node issued before the withdrawal reached it (the
     * change feed's delay is far below the leeway). Sessions holding one end on every node.
     */
    public Revocation revokeFleetCa(String caId, String reason) {
        return revokeTrusted(Revocation.Kind.FLEET_CA, caId, reason);
    }

    /**
     * An outside issuer's revocation covers its tokens dated up to now + leeway: the verifier accepts an
     * {@code iat} up to the leeway ahead (the issuer's clock), so that covers every token a session holds now. A
     * token dated later can only verify if the issuer trusts the key (again): it is not covered.
     */
    private Revocation revokeTrusted(Revocation.Kind kind, String value, String reason) {
        Instant now = clock.instant();
        return revoke(kind, value, reason, false, now.plus(leeway), now.plus(coverage).plus(leeway));
    }

    private Revocation revoke(Revocation.Kind kind, String value, String reason, boolean untilLifted) {
        Instant now = clock.instant();
        return revoke(kind, value, reason, untilLifted, now, now.plus(reach(kind)));
    }

    /**
     * How long after its {@code issuedBefore} a revocation may still cover a token that verifies. A subject's covers
     * tokens dated up to it, valid at most the longest lifetime + leeway later. A jti's or a key's covers tokens of any
     * date, and the verifier takes one dated up to the leeway ahead (a node or signer whose clock runs ahead): such a
     * token verifies one leeway longer. Before tour AG (AG2) those revocations ended that much too early, and the
     * revoked token authenticated again for the last seconds of its life.
     */
    private Duration reach(Revocation.Kind kind) {
        return kind == Revocation.Kind.JTI || kind == Revocation.Kind.KID ? coverage.plus(leeway) : coverage;
    }

    /**
     * Merges the revocation with the one the store holds (every node's, not only what this node has heard of) in
     * one compare-and-set, and returns what holds now: a standing block keeps its reason, revoking again changes
     * nothing it covers. Before 2026-12-07 the decision was taken on this node's map and the write replaced whatever
     * the store held, so a block was lost to a lift not yet heard of (tour V, V9) or to a device change (V10).
     */
    private Revocation revoke(Revocation.Kind kind, String value, String reason, boolean untilLifted,
                              Instant issuedBefore, Instant keepUntil) {
        StoredRevocations.Outcome written = records.merge(
                new Revocation(kind, value, issuedBefore, keepUntil, reason, untilLifted), mapOf(kind).get(value));
        Revocation r = written.after();
        learn(r, true);
        if (written.written()) {
            LOG.info("revoked {} {} ({})", kind.name().toLowerCase(java.util.Locale.ROOT), kind == Revocation.Kind.SUB
                    || kind == Revocation.Kind.JTI ? fingerprint(value) : value, r.reason());
        }
        return r;
    }

    /** A revocation from the feed: another node's, or this node's own echo (ignored). */
    private void apply(ChangeFeed.Change change) {
        change.value().map(this::decode).ifPresent(r -> learn(r, true));
    }

    /**
     * Resyncs when the feed cannot say what this node missed (its history was trimmed past this node, or Redis lost
     * its data): learns what the store holds (the new ones are announced to the listeners), then writes back, with a
     * feed entry, every revocation in force here that the store lacks, only where the key is still absent. Fail-safe:
     * a revocation must not lapse because Redis lost it, and every node (one started later too) ends with the union
     * of what the nodes held. The store drops nothing in force on its own (TTLs run to {@code keepUntil}, pruning
     * takes expired ones, a lift is a write), so what is missing was lost. The price, documented in
     * docs/revocation.md: a subject block lifted while this node missed the lift comes back, to be lifted again.
     * What the store holds is taken as it is, also when this node held a later change: after a loss the store's
     * writes no longer follow {@link RevocationMerge#newer}, and every node must end on the same record.
     */
    private void reload() {
        java.util.Set<String> stored = new java.util.HashSet<>();
        store.forEach(SPACE, (key, bytes) -> {
            stored.add(key);
            learnFromStore(decode(bytes));
        });
        Instant now = clock.instant();
        int restored = 0;
        for (Map<String, Revocation> m : List.of(byJti, bySub, byKid, byIssuer, byIssuerKey, byFleetCa)) {
            for (Revocation r : m.values()) {
                String key = key(r.kind(), r.value());
                if (stored.contains(key) || !inForce(r, now)) {
                    continue;
                }
                if (feed.putIfAbsent(FEED, SPACE, key, records.encode(r), r.untilLifted() ? null : until(r))) {
                    restored++;
                } else { // another node wrote it back first: its record holds on every node
                    store.get(SPACE, key).map(this::decode).ifPresent(this::learnFromStore);
                }
            }
        }
        if (restored > 0) {
            LOG.warn("the store had lost {} revocation(s) this node holds (Redis lost data?): written back and announced"
                    + " to every node, so none lapses; a subject block lifted while this node missed the lift may be among"
                    + " them and must be lifted again", restored);
        }
    }

    /** Indexes what the store holds (a resync), whatever this node held, and tells the listeners if it differs. */
    private void learnFromStore(Revocation r) {
        synchronized (this) {
            if (r.equals(mapOf(r.kind()).get(r.value()))) {
                return;
            }
            index(r);
        }
        announce(r);
    }

    /**
     * Indexes a revocation and tells the listeners ({@code announce}), unless this node knows it or a later one
     * already: the store's writes of one key come in {@link RevocationMerge#newer} order, this node's own result and
     * the feed's echo of it and of later writes in any order.
     */
    private void learn(Revocation r, boolean announce) {
        synchronized (this) {
            Revocation known = mapOf(r.kind()).get(r.value());
            if (known != null && !RevocationMerge.newer(r, known)) {
                return;
            }
            index(r);
        }
        if (announce) {
            announce(r);
        }
    }

    private void announce(Revocation r) {
        for (Consumer<Revocation> l : listeners) {
            try {
                l.accept(r);
            } catch (RuntimeException e) {
                LOG.warn("revocation listener failed", e);
            }
        }
    }

    /**
     * Lifts a subject block: new tokens may be issued again; tokens issued up to the revocation stay
     * refused until they could have expired anyway. Returns the lifted revocation, or empty if the
     * subject was not blocked. Not announced to listeners: it ends no session. Reads the store, so a block another
     * node made is lifted before this node has heard of it (before 2026-12-07: "not blocked", tour V, V15), and
     * writes the lift only over the block it read.
     */
    public Optional<Revocation> lift(String subject) {
        return lift(Revocation.Kind.SUB, subject);
    }

    /**
     * Lifts a subject block or an outside issuer's key revocation ({@link #revokeKey}, value
     * {@link Revocation#issuerKey}); a lifted key revocation refuses the key's tokens for the longest token lifetime +
     * twice the leeway more (every token it signed while revoked expires meanwhile), then ends.
     */
    public Optional<Revocation> lift(Revocation.Kind kind, String value) {
        StoredRevocations.Outcome lift = records.lift(kind, value, mapOf(kind).get(value),
                clock.instant().plus(reach(kind)));
        if (lift.after() != null) {
            learn(lift.after(), false); // what the store holds, lifted or not, corrects what this node held
        }
        if (!lift.written()) {
            return Optional.empty();
        }
        LOG.info("lifted the block on {}", kind == Revocation.Kind.SUB ? "subject " + fingerprint(value) : "key " + value);
        return Optional.of(lift.before());
    }

    /**
     * The instant up to which the subject's tokens are revoked (a subject revocation in force that does not
     * block), or null: a token issued now must be dated after it, or the revocation would cover it too (tokens
     * are dated to the second).
     */
    public Instant revokedUpTo(String subject) {
        Revocation s = subject == null ? null : bySub.get(subject);
        return s == null || s.untilLifted() || !until(s).isAfter(clock.instant()) ? null : s.issuedBefore();
    }

    @Override
    public boolean blocksIssuance(String subject) {
        Revocation s = subject == null ? null : bySub.get(subject);
        return s != null && s.untilLifted();
    }

    @Override
    public Optional<RejectionReason> check(VerifiedToken token) {
        Instant now = clock.instant();
        if (!byKid.isEmpty() && keyRevoked(token, now)) {
            return Optional.of(RejectionReason.KEY_REVOKED);
        }
        if (token.tokenId() != null && jtiRevoked(token.tokenId(), now)) {
            return Optional.of(RejectionReason.REVOKED);
        }
        // an exchanged token dies with every token it was exchanged from
        for (String parent : token.parentTokenIds()) {
            if (jtiRevoked(parent, now)) {
                return Optional.of(RejectionReason.REVOKED);
            }
        }
        if (subjectRevoked(token.subject(), token, now)
                // a delegated token is its actor's to use: revoking the actor ends it too (tour AG, AG5)
                || token.actor() != null && subjectRevoked(token.actor(), token, now)) {
            return Optional.of(RejectionReason.REVOKED);
        }
        // most nodes hold no withdrawn CA: a zero-touch device's every authentication skips the look-up then
        if (token.fleetCa() != null && !byFleetCa.isEmpty() && covers(byFleetCa.get(token.fleetCa()), token, now)) {
            return Optional.of(RejectionReason.REVOKED);
        }
        return trustedIssuerCheck(token, now);
    }

    /** Whether a revocation of {@code subject} covers the token: a block every token, else those dated up to it. */
    private boolean subjectRevoked(String subject, VerifiedToken token, Instant now) {
        Revocation s = bySub.get(subject);
        return s != null && (s.untilLifted() || covers(s, token, now));
    }

    /**
     * An operator's key revocation names the issuer and the kid ({@link Revocation#issuerKey}); one without an issuer
     * (written before 2026-12-07) keeps its meaning, the kid at every issuer. While in force it refuses every token of
     * the key, whatever its date: a key that is not retired can sign new ones.
     */
    private boolean keyRevoked(VerifiedToken token, Instant now) {
        return token.issuer() != null && holds(byKid.get(Revocation.issuerKey(token.issuer(), token.keyId())), now)
                || holds(byKid.get(token.keyId()), now);
    }

    private boolean holds(Revocation r, Instant now) {
        return r != null && inForce(r, now);
    }

    /** An outside issuer no longer trusted, or its key gone from its JWKS (nothing to look up in most brokers). */
    private Optional<RejectionReason> trustedIssuerCheck(VerifiedToken token, Instant now) {
        if (token.issuer() == null || byIssuer.isEmpty() && byIssuerKey.isEmpty()) {
            return Optional.empty();
        }
        if (covers(byIssuer.get(token.issuer()), token, now)) {
            return Optional.of(RejectionReason.REVOKED);
        }
        if (!byIssuerKey.isEmpty()
                && covers(byIssuerKey.get(Revocation.issuerKey(token.issuer(), token.keyId())), token, now)) {
            return Optional.of(RejectionReason.KEY_REVOKED);
        }
        return Optional.empty();
    }

    /** Whether a revocation in force covers the token by its issue time. */
    private boolean covers(Revocation r, VerifiedToken token, Instant now) {
        return r != null && until(r).isAfter(now) && !token.issuedAt().isAfter(r.issuedBefore());
    }

    private boolean jtiRevoked(String jti, Instant now) {
        Revocation j = byJti.get(jti);
        return j != null && until(j).isAfter(now);
    }

    /**
     * Until when a revocation (not a standing block) is enforced here: its {@code keepUntil}, set by the node that made
     * it from that node's token lifetime, or later, while a token this node accepts and it covers may still be valid
     * (issued up to {@code issuedBefore}, valid for at most this node's maximum lifetime + leeway; a jti's or key's one leeway
     * more, {@link #reach}). A node that issues
     * longer tokens than the revoking one must not let it lapse while they live (tour M, M3).
     */
    private Instant until(Revocation r) {
        Instant here = r.issuedBefore().plus(reach(r.kind()));
        return here.isAfter(r.keepUntil()) ? here : r.keepUntil();
    }

    @Override
    public AutoCloseable subscribe(Consumer<Revocation> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Drops from this node's map the revocations that cover no valid token any more; returns how many. The store
     * drops its record by itself (it expires at {@code keepUntil}, at the latest when this node's coverage ends).
     * Before 2026-12-07 this removed the store's key too, and with it a block written for the subject meanwhile.
     */
    public int prune() {
        return prune(r -> { });
    }

    /** {@link #prune()}, telling {@code ended} of each revocation that ended here (the audit's {@code revocation.ended}). */
    public int prune(Consumer<Revocation> ended) {
        Instant now = clock.instant();
        int pruned = 0;
        for (Map<String, Revocation> m : List.of(byJti, bySub, byKid, byIssuer, byIssuerKey, byFleetCa)) {
            for (Revocation r : m.values()) {
                if (!r.untilLifted() && !until(r).isAfter(now) && m.remove(r.value(), r)) {
                    pruned++;
                    ended.accept(r);
                }
            }
        }
        return pruned;
    }

    /** The revocation of that kind and value while it is in force (it covers a token that may still be valid). */
    public Optional<Revocation> inForce(Revocation.Kind kind, String value) {
        Revocation r = mapOf(kind).get(value);
        return r != null && inForce(r, clock.instant()) ? Optional.of(r) : Optional.empty();
    }

    /**
     * Up to {@code limit} revocations of that kind in force, by value, the first after {@code after} (null: from the
     * start): a page of the admin listing. Selects the page without sorting the whole kind.
     */
    public List<Revocation> inForce(Revocation.Kind kind, String after, int limit) {
        Instant now = clock.instant();
        Comparator<Revocation> byValue = Comparator.comparing(Revocation::value);
        PriorityQueue<Revocation> page = new PriorityQueue<>(byValue.reversed());
        for (Revocation r : mapOf(kind).values()) {
            if (inForce(r, now) && (after == null || r.value().compareTo(after) > 0)) {
                page.add(r);
                if (page.size() > limit) {
                    page.poll();
                }
            }
        }
        List<Revocation> sorted = new ArrayList<>(page);
        sorted.sort(byValue);
        return sorted;
    }

    private boolean inForce(Revocation r, Instant now) {
        return r.untilLifted() || until(r).isAfter(now);
    }

    public int size() {
        return byJti.size() + bySub.size() + byKid.size() + byIssuer.size() + byIssuerKey.size() + byFleetCa.size();
    }

    private Map<String, Revocation> mapOf(Revocation.Kind kind) {
        switch (kind) {
            case JTI: return byJti;
            case SUB: return bySub;
            case ISSUER: return byIssuer;
            case ISSUER_KEY: return byIssuerKey;
            case FLEET_CA: return byFleetCa;
            default: return byKid;
        }
    }

    private void index(Revocation r) {
        mapOf(r.kind()).put(r.value(), r);
    }

    private static String key(Revocation.Kind kind, String value) {
        return StoredRevocations.key(kind, value);
    }

    /**
     * The short fingerprint logs and audit lines use for tokens ({@link Fingerprints#of}): an operator can compute it
     * from a subject or jti to find its lines; a hashCode was 32 bits, collided and matched nothing else.
     */
    private static String fingerprint(String value) {
        return Fingerprints.of(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private Revocation decode(byte[] bytes) {
        return records.decode(bytes);
    }
}
