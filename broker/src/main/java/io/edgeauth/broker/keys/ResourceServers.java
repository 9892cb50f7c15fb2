package io.edgeauth.broker.keys;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resource servers tokens may be issued for, by audience, each with the public key a
 * {@code token_format=jwe} token for it is encrypted to: the first {@code use: enc} key of its JWKS that is
 * a public EC key (P-256/384/521: {@code ECDH-ES}) or RSA key of 2048 bits or more ({@code RSA-OAEP-256}).
 * The JWKS is given inline or fetched from its URL at start and every refresh interval (the last good key
 * is kept when a fetch fails). Thread-safe: each server's key is swapped atomically.
 */
public final class ResourceServers {
    private static final Logger LOG = LoggerFactory.getLogger(ResourceServers.class);
    private static final Set<Curve> CURVES = Set.of(Curve.P_256, Curve.P_384, Curve.P_521);

    /** None registered. */
    public static final ResourceServers NONE = new ResourceServers(Map.of(), Map.of(), null);

    private final Map<String, URI> fetched;
    private final Map<String, JWK> keys = new ConcurrentHashMap<>();
    private final JwksFetcher fetcher;

    /**
     * @param inline  JWKS given in the configuration, by audience
     * @param fetched JWKS URLs, by audience (each fetched by {@link #start})
     * @throws IllegalArgumentException if an inline JWKS holds no usable encryption key
     */
    public ResourceServers(Map<String, JWKSet> inline, Map<String, URI> fetched, JwksFetcher fetcher) {
        this.fetched = Map.copyOf(fetched);
        this.fetcher = fetcher;
        inline.forEach((audience, set) -> keys.put(audience, encryptionKey(set)));
        for (URI uri : fetched.values()) {
            if (!TrustedIssuerSettings.fetchable(uri)) {
                throw new IllegalArgumentException("resource server JWKS " + uri + ": https only (plain http on localhost)");
            }
        }
    }

    /** Fetches every URL now and then every {@code refresh} on {@code scheduler}. */
    public void start(ScheduledExecutorService scheduler, Duration refresh) {
        fetched.keySet().forEach(this::refresh);
        if (!fetched.isEmpty()) {
            long period = refresh.toMillis();
            scheduler.scheduleWithFixedDelay(() -> fetched.keySet().forEach(this::refresh), period, period,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Re-reads one server's JWKS; returns true when it now has a key (the old one is kept on failure). */
    public boolean refresh(String audience) {
        URI uri = fetched.get(audience);
        if (uri == null) {
            return keys.containsKey(audience);
        }
        try {
            keys.put(audience, encryptionKey(JWKSet.parse(fetcher.fetch(uri))));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) { // IOException, ParseException, IllegalArgumentException: keep the last good key
            LOG.warn("resource server {}: JWKS refresh failed: {}", audience, e.toString());
        }
        return keys.containsKey(audience);
    }

    /** Whether tokens may be issued for this audience. */
    public boolean isRegistered(String audience) {
        return audience != null && (keys.containsKey(audience) || fetched.containsKey(audience));
    }

    /** The key a token for this audience is encrypted to; empty if unregistered or its JWKS never loaded. */
    public Optional<JWK> encryptionKey(String audience) {
        return audience == null ? Optional.empty() : Optional.ofNullable(keys.get(audience));
    }

    /**
     * The key to encrypt to in a resource server's JWKS: the first public {@code use: enc} EC (P-256/384/521)
     * or RSA (>= 2048 bits) key.
     *
     * @throws IllegalArgumentException when there is none, or when the set holds private key material
     */
    public static JWK encryptionKey(JWKSet set) {
        for (JWK k : set.getKeys()) {
            if (k.isPrivate()) {
                throw new IllegalArgumentException("a resource server's JWKS must hold public keys only");
            }
        }
        for (JWK k : set.getKeys()) {
            if (!KeyUse.ENCRYPTION.equals(k.getKeyUse())) {
                continue;
            }
            if (k instanceof ECKey ec && CURVES.contains(ec.getCurve()) || k instanceof RSAKey rsa && rsa.size() >= 2048) {
                return k;
            }
        }
        throw new IllegalArgumentException("no public \"use\":\"enc\" EC (P-256/384/521) or RSA (2048+ bits) key");
    }
}
