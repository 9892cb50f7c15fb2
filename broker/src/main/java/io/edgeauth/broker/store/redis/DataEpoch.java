package io.edgeauth.broker.store.redis;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A marker key that lives exactly as long as Redis keeps its data: a random value set once, by the first node that
 * finds it absent. A node that finds it gone or replaced knows that Redis lost its data since it last looked, even
 * where the change streams' counters cannot tell (a node that had read no entry yet when the data went: its position
 * was 0, and an empty stream looks the same). Redis must not evict keys (the registry needs that too); an evicted
 * marker would cost one needless reload, nothing more.
 */
final class DataEpoch {
    static final String KEY = RedisStore.PREFIX + "data-epoch";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RedisCommands<String, byte[]> redis;
    private byte[] seen;

    DataEpoch(RedisCommands<String, byte[]> redis) {
        this.redis = redis;
    }

    /** Looks at the marker (setting it when absent); true when it is not the one seen last time: data was lost since. */
    synchronized boolean lostSinceLastLook() {
        byte[] now = redis.get(KEY);
        if (now == null) {
            byte[] fresh = new byte[16];
            RANDOM.nextBytes(fresh);
            redis.set(KEY, fresh, SetArgs.Builder.nx()); // another node may set it first: read back whichever won
            now = redis.get(KEY);
        }
        boolean lost = seen != null && !Arrays.equals(seen, now);
        seen = now;
        return lost;
    }

    /** The first look, when a node starts to follow: nothing to compare with yet. */
    synchronized void lookOnce() {
        if (seen == null) {
            lostSinceLastLook();
        }
    }
}
