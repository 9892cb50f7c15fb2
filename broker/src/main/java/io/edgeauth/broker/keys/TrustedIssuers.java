package io.edgeauth.broker.keys;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys of trusted outside issuers. Each issuer's JWKS is read from its file or fetched from its https
 * URL on a background scheduler every refresh interval; verification only reads the last good copy
 * and never does I/O. A JWKS (fetched or read from its file) that could not be refreshed for longer than the
 * issuer's {@code maxStale} is no longer trusted ({@code UNKNOWN_KEY}) until a refresh succeeds again.
 *
 * <p>Only public EC (P-256/384/521), Ed25519 and RSA (>= 2048 bits) keys with {@code use} absent or
 * {@code sig} are taken; each key may only verify the issuer's allowed algorithms that fit its type
 * (and its own {@code alg}, if set). Symmetric keys in a JWKS are ignored.
 *
 * <p>Thread-safe: each issuer's keys are an immutable map swapped atomically.
 */
public final class TrustedIssuers implements KeyResolver, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrustedIssuers.class);

    private record Snapshot(Map<String, VerificationKey> byKid, Instant loadedAt) {
    }

    /** Hears that a key an issuer's JWKS held is gone from it, or now has other material under its kid. */
    @FunctionalInterface
    public interface KeyDropListener {
        void dropped(String issuer, String kid);
    }

    private final Map<String, TrustedIssuerSettings> settings;
    private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
    private final JwksFetcher fetcher;
    private final Clock clock;
    private final List<KeyDropListener> dropListeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService scheduler;
    private boolean ownScheduler;

    /**
     * @param issuers trusted issuer settings (issuers unique)
     * @param fetcher how URIs are fetched ({@link JwksFetcher#http(Duration)} in production)
     * @param clock   time source for staleness
     */
    public TrustedIssuers(Collection<TrustedIssuerSettings> issuers, JwksFetcher fetcher, Clock clock) {
        Map<String, TrustedIssuerSettings> m = new LinkedHashMap<>();
        for (TrustedIssuerSettings s : issuers) {
            if (m.putIfAbsent(s.issuer(), s) != null) {
                throw new IllegalArgumentException("trusted issuer configured twice: " + s.issuer());
            }
        }
        this.settings = Map.copyOf(m);
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /**
     * Loads every issuer once now (files and URIs; failures are logged, not thrown) and schedules
     * refreshes on {@code scheduler}, or on an own daemon thread if null.
     */
    public synchronized void start(ScheduledExecutorService scheduler) {
        if (this.scheduler != null) {
            return;
        }
        this.ownScheduler = scheduler == null;
        this.scheduler = scheduler != null ? scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jwks-refresh");
            t.setDaemon(true);
            return t;
        });
        for (TrustedIssuerSettings s : settings.values()) {
            refresh(s.issuer());
            long period = s.refreshInterval().toMillis();
            this.scheduler.scheduleWithFixedDelay(() -> refresh(s.issuer()), period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** Reloads one issuer's JWKS now. Returns true on success (the old keys are kept on failure). */
    public boolean refresh(String issuer) {
        TrustedIssuerSettings s = settings.get(issuer);
        if (s == null) {
            return false;
        }
        try {
            String json = s.jwksFile() != null
                    ? KeyFiles.read(s.jwksFile(), JwksFetcher.MAX_JWKS_BYTES)
                    : fetcher.fetch(s.jwksUri());
            Map<String, VerificationKey> keys = parse(s, JWKSet.parse(json));
            Snapshot previous = snapshots.put(issuer, new Snapshot(keys, clock.instant()));
            LOG.debug("trusted issuer {}: {} keys loaded", issuer, keys.size());
            if (previous != null) {
                announceDropped(issuer, previous.byKid(), keys);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) { // IOException, ParseException, RuntimeException: keep the last good keys
            LOG.warn("trusted issuer {}: JWKS refresh failed: {}", issuer, e.toString());
            return false;
        }
    }

    /**
     * Registers a listener told, after a refresh, of each key that left the issuer's JWKS or changed under its
     * kid (continuous access evaluation: the sessions its tokens opened must end). Called on the refresh thread.
     */
    public void onKeysDropped(KeyDropListener listener) {
        dropListeners.add(listener);
    }

    private void announceDropped(String issuer, Map<String, VerificationKey> before, Map<String, VerificationKey> now) {
        for (VerificationKey old : before.values()) {
            VerificationKey current = now.get(old.kid());
            if (current != null && current.key().equals(old.key())) {
                continue;
            }
            LOG.info("trusted issuer {}: key {} left its JWKS", issuer, old.kid());
            for (KeyDropListener l : dropListeners) {
                try {
                    l.dropped(issuer, old.kid());
                } catch (RuntimeException e) {
                    LOG.warn("trusted issuer {}: key drop listener failed", issuer, e);
                }
            }
        }
    }

    @Override
    public KeyResolution resolve(String issuer, String kid) {
        TrustedIssuerSettings s = issuer == null ? null : settings.get(issuer);
        if (s == null) {
            return KeyResolution.unknownIssuer();
        }
        Snapshot snap = snapshots.get(issuer);
        if (snap == null || kid == null) {
            return KeyResolution.unknownKey();
        }
        if (clock.instant().isAfter(snap.loadedAt().plus(s.maxStale()))) {
            return KeyResolution.unknownKey(); // too stale: the issuer may have rotated a compromised key out
        }
        VerificationKey key = snap.byKid().get(kid);
        return key == null ? KeyResolution.unknownKey() : KeyResolution.found(key);
    }

    /**
     * Why an issuer's {@code jwksFile} cannot work, or null: it must read as a JWKS holding at least one key this
     * class would take. Checked at start-up, as a refresh failure is only a WARN and leaves the issuer keyless.
     */
    public static String fileProblem(TrustedIssuerSettings s) {
        try {
            return parse(s, JWKSet.parse(KeyFiles.read(s.jwksFile(), JwksFetcher.MAX_JWKS_BYTES))).isEmpty()
                    ? "holds no key the broker can use (a public EC, Ed25519 or RSA >= 2048 signing key with a kid,"
                            + " for " + s.allowedAlgorithms() + ")"
                    : null;
        } catch (java.io.IOException | RuntimeException e) {
            return "cannot be read: " + e.getMessage();
        } catch (java.text.ParseException e) {
            return "is not a JWKS ({\"keys\": [...]}): " + e.getMessage();
        }
    }

    /** Settings by issuer. */
    public Map<String, TrustedIssuerSettings> settings() {
        return settings;
    }

    private static Map<String, VerificationKey> parse(TrustedIssuerSettings s, JWKSet set) {
        Map<String, VerificationKey> keys = new HashMap<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyID() == null || (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse()))) {
                continue;
            }
            // key_ops (RFC 7517 §4.3) restricts a key as use does: one published for deriveKey or encrypt only is the
            // issuer's encryption key, never a token signature key (tour J, J6)
            if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
                continue;
            }
            Set<TokenAlgorithm> algs = JwkKeys.algorithmsFor(jwk, s.allowedAlgorithms());
            if (algs.isEmpty()) {
                continue;
            }
            try {
                keys.put(jwk.getKeyID(), new VerificationKey(s.issuer(), jwk.getKeyID(), JwkKeys.publicKey(jwk),
                        algs, s.tenantId(), s.audiences()));
            } catch (GeneralSecurityException e) {
                LOG.debug("trusted issuer {}: skipping key {}: {}", s.issuer(), jwk.getKeyID(), e.getMessage());
            }
        }
        return Map.copyOf(keys);
    }

    @Override
    public synchronized void close() {
        if (ownScheduler && scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
