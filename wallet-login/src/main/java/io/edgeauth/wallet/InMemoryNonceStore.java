package io.edgeauth.wallet;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link NonceStore} in a {@link ConcurrentHashMap}: for tests, benchmarks and single-process
 * use. Nothing survives a restart, which is why the broker uses its durable store instead.
 *
 * <p>Thread-safe. Consumption is atomic ({@code ConcurrentHashMap.replace} from live to used), so two
 * racing logins with one nonce cannot both succeed. Used nonces are kept until their original
 * expiry so a replay is reported as {@link Outcome#ALREADY_USED} rather than unknown; expired
 * entries are swept every few thousand calls to keep memory bounded.
 */
public final class InMemoryNonceStore implements NonceStore {
    /** 128 random bits (more than the 96 required) in base 62: 22 characters, all alphanumeric. */
    private static final int NONCE_CHARS = 22;
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int SWEEP_EVERY = 4096;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final AtomicInteger calls = new AtomicInteger();

    /** Immutable record of one nonce; replacing it is the atomic state change. */
    private static final class Entry {
        final Instant expiresAt;
        final boolean used;

        Entry(Instant expiresAt, boolean used) {
            this.expiresAt = expiresAt;
            this.used = used;
        }
    }

    /** A store on the system UTC clock. */
    public InMemoryNonceStore() {
        this(Clock.systemUTC());
    }

    /** @param clock time source for expiry (inject a fixed clock in tests) */
    public InMemoryNonceStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String issue(Duration ttl) {
        requirePositive(ttl);
        String nonce;
        do {
            nonce = randomNonce();
        } while (entries.putIfAbsent(nonce, new Entry(clock.instant().plus(ttl), false)) != null);
        maybeSweep();
        return nonce;
    }

    /**
     * Registers a nonce chosen elsewhere (for tests, benchmarks, or replaying fixed vectors).
     * Replaces any previous state of the same nonce.
     */
    public void register(String nonce, Duration ttl) {
        Objects.requireNonNull(nonce, "nonce");
        requirePositive(ttl);
        entries.put(nonce, new Entry(clock.instant().plus(ttl), false));
    }

    @Override
    public boolean consume(String nonce) {
        return consumeWithOutcome(nonce) == Outcome.CONSUMED;
    }

    @Override
    public Outcome consumeWithOutcome(String nonce) {
        if (nonce == null) {
            return Outcome.UNKNOWN;
        }
        maybeSweep();
        Instant now = clock.instant();
        while (true) {
            Entry e = entries.get(nonce);
            if (e == null) {
                return Outcome.UNKNOWN;
            }
            if (e.used) {
                return Outcome.ALREADY_USED;
            }
            if (!now.isBefore(e.expiresAt)) {
                return Outcome.EXPIRED;
            }
            // compare-and-set on the entry object: only one caller can move it from live to used
            if (entries.replace(nonce, e, new Entry(e.expiresAt, true))) {
                return Outcome.CONSUMED;
            }
        }
    }

    @Override
    public boolean isLive(String nonce) {
        Entry e = nonce == null ? null : entries.get(nonce);
        return e != null && !e.used && clock.instant().isBefore(e.expiresAt);
    }

    /** @return number of remembered nonces (live and used-but-not-yet-swept); for tests */
    public int size() {
        return entries.size();
    }

    private String randomNonce() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        // base-62 digits of the 128-bit value; 62^22 > 2^128, so no bits are lost
        java.math.BigInteger v = new java.math.BigInteger(1, bytes);
        java.math.BigInteger base = java.math.BigInteger.valueOf(62);
        char[] out = new char[NONCE_CHARS];
        for (int i = NONCE_CHARS - 1; i >= 0; i--) {
            java.math.BigInteger[] qr = v.divideAndRemainder(base);
            out[i] = ALPHABET[qr[1].intValue()];
            v = qr[0];
        }
        return new String(out);
    }

    private void maybeSweep() {
        if (calls.incrementAndGet() % SWEEP_EVERY != 0) {
            return;
        }
        Instant now = clock.instant();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (!now.isBefore(it.next().expiresAt)) {
                it.remove();
            }
        }
    }

    private static void requirePositive(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
    }
}
