package io.edgeauth.broker.keys;

import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An outside token issuer the broker trusts. Immutable.
 *
 * @param issuer            exact {@code iss} value
 * @param jwksFile          local JWKS file, or null
 * @param jwksUri           https URL of its JWKS, or null (exactly one of file and URI)
 * @param refreshInterval   how often the JWKS is re-read/fetched (default 5 min)
 * @param maxStale          how long fetched keys stay trusted without a successful refresh (default 1 h);
 *                          after that the issuer's keys are no longer used. Ignored for files.
 * @param allowedAlgorithms asymmetric algorithms its tokens may use (HMAC is refused: no secret is
 *                          ever shared with an outside issuer through a JWKS)
 * @param audiences         accepted {@code aud} values for its tokens (at least one)
 * @param tenantId          tenant its tokens are mapped to, or null if tokens must carry {@code tenant_id}
 */
public record TrustedIssuerSettings(String issuer, Path jwksFile, URI jwksUri, Duration refreshInterval,
                                    Duration maxStale, Set<TokenAlgorithm> allowedAlgorithms,
                                    Set<String> audiences, String tenantId) {
    public TrustedIssuerSettings {
        Objects.requireNonNull(issuer, "issuer");
        if ((jwksFile == null) == (jwksUri == null)) {
            throw new IllegalArgumentException("trusted issuer " + issuer + ": exactly one of jwksFile and jwksUri");
        }
        if (jwksUri != null && !fetchable(jwksUri)) {
            throw new IllegalArgumentException("trusted issuer " + issuer
                    + ": jwksUri must be https (plain http only on localhost)");
        }
        refreshInterval = refreshInterval == null ? Duration.ofMinutes(5) : refreshInterval;
        maxStale = maxStale == null ? Duration.ofHours(1) : maxStale;
        if (refreshInterval.compareTo(Duration.ofSeconds(1)) < 0 || maxStale.compareTo(refreshInterval) < 0) {
            throw new IllegalArgumentException("trusted issuer " + issuer + ": need refreshInterval >= 1s and maxStale >= refreshInterval");
        }
        allowedAlgorithms = allowedAlgorithms == null || allowedAlgorithms.isEmpty()
                ? Set.of(TokenAlgorithm.ES256) : Set.copyOf(allowedAlgorithms);
        if (allowedAlgorithms.stream().anyMatch(TokenAlgorithm::isMac)) {
            throw new IllegalArgumentException("trusted issuer " + issuer + ": HMAC algorithms are not allowed");
        }
        audiences = audiences == null ? Set.of() : Set.copyOf(audiences);
        if (audiences.isEmpty()) {
            throw new IllegalArgumentException("trusted issuer " + issuer + ": at least one audience");
        }
        if (tenantId != null) {
            KeyIds.requireTenant(tenantId);
        }
    }

    /**
     * Whether a JWKS may be fetched from {@code uri}: https, or plain http on this host only (a local
     * sidecar or test server: nothing on the network can alter what it serves), as the config validator says.
     */
    public static boolean fetchable(URI uri) {
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
        return "https".equals(scheme)
                || "http".equals(scheme) && ("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()));
    }
}
