package io.edgeauth.broker.oauth;

import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.ReplayGuard;
import java.time.Instant;

/**
 * Single use of client-assertion {@code jti}s on the durable {@link Store}: a replay is refused on
 * every node and after a restart, until the assertion has expired anyway.
 */
public final class StoreReplayGuard implements ReplayGuard {
    static final String SPACE = "assertion-jti";
    private static final byte[] MARK = {1};

    private final Store store;

    public StoreReplayGuard(Store store) {
        this.store = store;
    }

    @Override
    public boolean firstUse(String key, Instant expiresAt) {
        return store.putIfAbsent(SPACE, key, MARK, expiresAt);
    }
}
