package io.edgeauth.broker.coap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.TopicAcl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Authorized token sessions keyed by peer identity ({@link PeerIdentity#keyOf}): bounded (least useful entries
 * are evicted beyond {@code maxSessions}) and self-cleaning (an entry disappears when its token expires).
 * Per session it keeps only the pipeline's {@link DeviceSession}, the ACL derived once from it and the
 * device's rate limiter. A new token from the same peer replaces the old one. One principal holds at most
 * {@code maxPeersPerPrincipal} peers: binding one more ends the principal's own oldest binding, so no principal
 * can fill the store and have the size bound evict other devices. Thread-safe.
 */
final class CoapSessions {

    /** A peer's authorization: the session, its ACL and its rate budget. */
    record Bound(DeviceSession session, TopicAcl acl, RateLimiter limiter) {
        boolean expiredAt(Instant now) {
            return !now.isBefore(session.expiresAt());
        }

        /** As {@link #expiredAt(Instant)} without allocating (the per-request check). */
        boolean expiredAtMillis(long nowMillis) {
            return nowMillis >= session.expiresAt().toEpochMilli();
        }
    }

    /** Whose binding it is: the tenant and the principal (the session's own strings, no copy). */
    record PrincipalKey(String tenant, String principal) {
        static PrincipalKey of(Bound b) {
            return new PrincipalKey(b.session().tenant(), b.session().principal());
        }
    }

    private static final String[] NO_PEERS = new String[0];

    private final Cache<String, Bound> cache;
    private final Clock clock;
    private final int maxPeersPerPrincipal;
    /**
     * The peers bound to each principal, oldest first; usually one, so a small array rather than a set. Updated
     * with each binding that comes or goes (bind, drop, expiry and size eviction).
     */
    private final Map<PrincipalKey, String[]> peersByPrincipal = new ConcurrentHashMap<>();

    /**
     * @param maxPeersPerPrincipal peers one principal may be bound to at once
     * @param onDrop called with (peer key, session) when a session leaves other than by replacement
     */
    CoapSessions(int maxSessions, int maxPeersPerPrincipal, Clock clock, BiConsumer<String, Bound> onDrop) {
        this.clock = clock;
        this.maxPeersPerPrincipal = maxPeersPerPrincipal;
        this.cache = Caffeine.newBuilder()
                .executor(Runnable::run) // maintenance on the caller: no common-pool wake-up per write burst
                .maximumSize(maxSessions)
                .expireAfter(new Expiry<String, Bound>() {
                    @Override
                    public long expireAfterCreate(String key, Bound value, long currentTime) {
                        return untilExpiry(value);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Bound value, long currentTime, long currentDuration) {
                        return untilExpiry(value);
                    }

                    @Override
                    public long expireAfterRead(String key, Bound value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .scheduler(Scheduler.systemScheduler())
                .evictionListener((String key, Bound value, RemovalCause cause) -> {
                    if (key != null && value != null) {
                        forget(value, key); // expired or evicted for size: synchronous, with the removal
                    }
                })
                .removalListener((String key, Bound value, RemovalCause cause) -> {
                    if (key != null && value != null && cause != RemovalCause.REPLACED) {
                        onDrop.accept(key, value);
                    }
                })
                .build();
    }

    private long untilExpiry(Bound value) {
        Duration left = Duration.between(clock.instant(), value.session().expiresAt());
        return left.isNegative() ? 0 : left.toNanos();
    }

    /**
     * Binds a session to a peer, replacing the peer's previous one; if the principal is then bound to more than
     * {@code maxPeersPerPrincipal} peers, its oldest bindings end (their Observe relations with them).
     */
    void bind(String peerKey, Bound bound) {
        // the principal's oldest bindings go first, so the store never holds more than it may and its size
        // bound never has to choose a victim because of this principal
        PrincipalKey principal = PrincipalKey.of(bound);
        String[][] over = new String[1][];
        peersByPrincipal.compute(principal, (k, peers) -> {
            String[] kept = append(without(peers, peerKey), peerKey);
            if (kept.length > maxPeersPerPrincipal) {
                over[0] = Arrays.copyOfRange(kept, 0, kept.length - maxPeersPerPrincipal);
                kept = Arrays.copyOfRange(kept, kept.length - maxPeersPerPrincipal, kept.length);
            }
            return kept;
        });
        if (over[0] != null) {
            for (String oldest : over[0]) {
                Bound old = cache.asMap().get(oldest);
                if (old != null && PrincipalKey.of(old).equals(principal)) {
                    cache.asMap().remove(oldest, old); // the removal listener ends its Observe relations
                }
            }
        }
        // not atomic with the list: should the new binding expire at once, its peer stays listed until the
        // principal's next bindings push it out (a count one too high for a moment, never one too low)
        Bound previous = cache.asMap().put(peerKey, bound);
        if (previous != null && !PrincipalKey.of(previous).equals(principal)) {
            forget(previous, peerKey); // the peer now presents another principal's token
        }
    }

    private void forget(Bound bound, String peerKey) {
        peersByPrincipal.computeIfPresent(PrincipalKey.of(bound), (k, peers) -> {
            String[] kept = without(peers, peerKey);
            return kept.length == 0 ? null : kept;
        });
    }

    /** The peers {@code principal} is bound to now, oldest first (a copy; empty when none). */
    String[] peersOf(PrincipalKey principal) {
        return peersByPrincipal.getOrDefault(principal, NO_PEERS).clone();
    }

    private static String[] without(String[] peers, String peerKey) {
        if (peers == null) {
            return NO_PEERS;
        }
        for (int i = 0; i < peers.length; i++) {
            if (peers[i].equals(peerKey)) {
                String[] kept = new String[peers.length - 1];
                System.arraycopy(peers, 0, kept, 0, i);
                System.arraycopy(peers, i + 1, kept, i, peers.length - i - 1);
                return kept;
            }
        }
        return peers;
    }

    private static String[] append(String[] peers, String peerKey) {
        String[] grown = Arrays.copyOf(peers, peers.length + 1);
        grown[peers.length] = peerKey;
        return grown;
    }

    /** The peer's session if present and not expired by the edge's clock. */
    Bound current(String peerKey) {
        Bound b = cache.getIfPresent(peerKey);
        if (b == null) {
            return null;
        }
        if (b.expiredAtMillis(clock.millis())) {
            if (cache.asMap().remove(peerKey, b)) {
                forget(b, peerKey);
            }
            return null;
        }
        return b;
    }

    /** Looks without touching expiry or statistics. */
    Bound peek(String peerKey) {
        return cache.asMap().get(peerKey);
    }

    void drop(String peerKey, Bound expected) {
        if (cache.asMap().remove(peerKey, expected)) {
            forget(expected, peerKey);
        }
    }

    Map<String, Bound> view() {
        return cache.asMap();
    }

    long size() {
        return cache.estimatedSize();
    }

    void cleanUp() {
        cache.cleanUp();
    }
}
