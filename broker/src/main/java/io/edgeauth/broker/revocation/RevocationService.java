package io.edgeauth.broker.revocation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.VerifiedToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocations by {@code jti}, subject and signing key. Durable in the {@link Store}, mirrored in memory
 * so {@link #check} costs three hash lookups. A revocation is kept until no token it covers can still
 * be valid (revocation time + maximum token lifetime + leeway), then pruned. Listeners hear of each new
 * revocation so live sessions can be dropped at once: this node's own, and (with a shared store) every
 * other node's, which the {@link ChangeFeed} brings in order and without loss. Thread-safe.
 */
public final class RevocationService implements RevocationChecker, RevocationEvents {
    private static final Logger LOG = LoggerFactory.getLogger(RevocationService.class);
    static final String SPACE = "revocations";
    static final String FEED = "revocations";

    private final Store store;
    private final ChangeFeed feed;
    private final Clock clock;
    private final Duration coverage;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final Map<String, Revocation> byJti = new ConcurrentHashMap<>();
    private final Map<String, Revocation> bySub = new ConcurrentHashMap<>();
    private final Map<String, Revocation> byKid = new ConcurrentHashMap<>();
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
        synchronized (this) { // changes arriving during the load wait, then apply on top of it
            feed.follow(FEED, this::apply, this::reload);
            store.forEach(SPACE, (key, bytes) -> index(decode(bytes)));
        }
    }

    /** Revokes and tells listeners; returns the stored revocation. */
    public Revocation revoke(Revocation.Kind kind, String value, String reason) {
        Instant now = clock.instant();
        Revocation r = new Revocation(kind, value, now, now.plus(coverage), reason);
        Revocation previous = mapOf(kind).get(value);
        if (previous != null && previous.issuedBefore().isAfter(now)) {
            return previous;
        }
        feed.put(FEED, SPACE, key(kind, value), encode(r), r.keepUntil());
        learn(r);
        LOG.info("revoked {} {} ({})", kind, kind == Revocation.Kind.KID ? value : fingerprint(value), reason);
        return r;
    }

    /** A revocation from the feed: another node's, or this node's own echo (ignored). */
    private void apply(ChangeFeed.Change change) {
        change.value().map(this::decode).ifPresent(this::learn);
    }

    /** Reloads every revocation when the feed cannot say what this node missed; the new ones are announced. */
    private void reload() {
        store.forEach(SPACE, (key, bytes) -> learn(decode(bytes)));
    }

    /** Indexes a revocation and tells the listeners, unless it is known already. */
    private void learn(Revocation r) {
        synchronized (this) {
            Revocation known = mapOf(r.kind()).get(r.value());
            if (known != null && !known.issuedBefore().isBefore(r.issuedBefore())) {
                return;
            }
            index(r);
        }
        for (Consumer<Revocation> l : listeners) {
            try {
                l.accept(r);
            } catch (RuntimeException e) {
                LOG.warn("revocation listener failed", e);
            }
        }
    }

    @Override
    public Optional<RejectionReason> check(VerifiedToken token) {
        Instant now = clock.instant();
        Revocation k = byKid.get(token.keyId());
        if (k != null && k.keepUntil().isAfter(now)) {
            return Optional.of(RejectionReason.KEY_REVOKED);
        }
        if (token.tokenId() != null) {
            Revocation j = byJti.get(token.tokenId());
            if (j != null && j.keepUntil().isAfter(now)) {
                return Optional.of(RejectionReason.REVOKED);
            }
        }
        Revocation s = bySub.get(token.subject());
        if (s != null && s.keepUntil().isAfter(now) && !token.issuedAt().isAfter(s.issuedBefore())) {
            return Optional.of(RejectionReason.REVOKED);
        }
        return Optional.empty();
    }

    @Override
    public AutoCloseable subscribe(Consumer<Revocation> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Drops revocations that cover no valid token any more; returns how many. */
    public int prune() {
        Instant now = clock.instant();
        int pruned = 0;
        for (Map<String, Revocation> m : List.of(byJti, bySub, byKid)) {
            for (Revocation r : m.values()) {
                if (!r.keepUntil().isAfter(now) && m.remove(r.value(), r)) {
                    store.remove(SPACE, key(r.kind(), r.value()));
                    pruned++;
                }
            }
        }
        return pruned;
    }

    public int size() {
        return byJti.size() + bySub.size() + byKid.size();
    }

    private Map<String, Revocation> mapOf(Revocation.Kind kind) {
        switch (kind) {
            case JTI: return byJti;
            case SUB: return bySub;
            default: return byKid;
        }
    }

    private void index(Revocation r) {
        mapOf(r.kind()).put(r.value(), r);
    }

    private static String key(Revocation.Kind kind, String value) {
        return kind.name() + ":" + value;
    }

    private static String fingerprint(String value) {
        return Integer.toHexString(value.hashCode());
    }

    private byte[] encode(Revocation r) {
        try {
            return json.writeValueAsBytes(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Revocation decode(byte[] bytes) {
        try {
            return json.readValue(bytes, Revocation.class);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt revocation record in the store", e);
        }
    }
}
