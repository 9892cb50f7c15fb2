package io.edgeauth.broker.wallet;

import io.edgeauth.broker.store.Store;
import io.edgeauth.wallet.NonceStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/**
 * SIWE nonces on the broker's durable {@link Store}: a nonce issued by one node can be consumed on
 * another and survives restarts; {@link Store#take} makes consumption atomic (exactly one racing login
 * wins). Nonces are 128 random bits in base62 (22 characters), as EIP-4361 requires alphanumerics.
 * Thread-safe.
 */
public final class StoreNonceStore implements NonceStore {
    static final String SPACE = "siwe-nonces";
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int LENGTH = 22; // 62^22 > 2^128
    private static final byte[] MARK = {1};

    private final Store store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public StoreNonceStore(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public String issue(Duration ttl) {
        char[] nonce = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            nonce[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        String value = new String(nonce);
        store.put(SPACE, value, MARK, clock.instant().plus(ttl));
        return value;
    }

    /** A read of the shared store (one Redis GET): cheaper than the recovery or RPC call it spares. */
    @Override
    public boolean isLive(String nonce) {
        return nonce != null && nonce.length() <= 64 && store.get(SPACE, nonce).isPresent();
    }

    @Override
    public boolean consume(String nonce) {
        if (nonce == null || nonce.length() > 64) {
            return false;
        }
        return store.take(SPACE, nonce).isPresent();
    }
}
