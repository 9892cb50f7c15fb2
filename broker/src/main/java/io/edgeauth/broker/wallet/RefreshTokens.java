package io.edgeauth.broker.wallet;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Rotating refresh tokens for wallet sessions (OAuth 2.0 Security BCP §4.14): opaque random values,
 * stored only as SHA-256 hashes; each use returns a new token of the same family and spends the old
 * one; presenting a spent token again means it was stolen (or replayed), so the whole family is
 * revoked and the caller audits it. The access tokens issued from a family name it in {@code parent_jti}
 * ({@link #familyTokenId}), so revoking that value by {@code jti} ends them too (RFC 7009 §2.1) without a
 * record of their {@code jti}s. Thread-safe: the single-use gate is {@link Store#putIfAbsent}.
 */
public final class RefreshTokens {
    static final String TOKENS = "refresh-tokens";
    static final String SPENT = "refresh-spent";
    static final String REVOKED_FAMILIES = "refresh-families-revoked";
    /**
     * Where each family's login was signed, apart from the family's own record so that a broker of before 2026-12-08
     * reads the families this one writes (and this one the families it wrote: without a site, nothing is checked).
     */
    static final String SITES = "refresh-family-sites";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Store store;
    private final Clock clock;
    private final Duration lifetime;
    private final SecureRandom random = new SecureRandom();

    /** Where a family's login was signed: its SIWE message's {@code domain} and {@code URI}. */
    public record Site(String domain, String uri) { }

    /** What a refresh token stands for. */
    public record Grant(String family, String subject, String tenant, long expiresAtMillis) { }

    /**
     * The outcome of a rotation: a new token for the grant, or why not; {@code retryAfterSeconds} the wait an
     * {@link Admission} asked for ({@link Failure#RATE_LIMITED}), else 0.
     */
    public record Rotation(Optional<String> token, Optional<Grant> grant, Failure failure, long retryAfterSeconds) {
        static Rotation ok(String token, Grant grant) {
            return new Rotation(Optional.of(token), Optional.of(grant), null, 0);
        }

        static Rotation failed(Failure failure, Grant grant) {
            return new Rotation(Optional.empty(), Optional.ofNullable(grant), failure, 0);
        }
    }

    /**
     * Why a refresh token was refused. {@code RATE_LIMITED}: the {@link Admission} refused, and the token is not spent
     * (its holder retries it after the wait; spent, its retry would read as a reuse and revoke the family).
     */
    public enum Failure { UNKNOWN, EXPIRED, REUSED_FAMILY_REVOKED, FAMILY_REVOKED, RATE_LIMITED }

    /** Asked, for a valid token not yet spent, whether its holder may have a token now (a budget). */
    @FunctionalInterface
    public interface Admission {
        /** @throws TokenRejectedException to refuse, with the wait ({@link TokenRejectedException#retryAfter}) */
        void admit(Grant grant) throws TokenRejectedException;
    }

    public RefreshTokens(Store store, Clock clock, Duration lifetime) {
        this.store = store;
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** Starts a new family (a new login) and returns its first token. */
    public String issue(String subject, String tenant) {
        return issue(start(subject, tenant));
    }

    /** A new family (a new login); its first token comes from {@link #issue(Grant)}. */
    public Grant start(String subject, String tenant) {
        return new Grant(randomValue(16), subject, tenant, clock.instant().plus(lifetime).toEpochMilli());
    }

    /**
     * The {@code parent_jti} value the family's access tokens carry: revoking it by {@code jti} ends them all.
     * Prefixed so it can never read as a token's own {@code jti} (a UUID).
     */
    public static String familyTokenId(String family) {
        return "rtf_" + family;
    }

    /** Spends a token and returns its successor, or the failure. */
    public Rotation rotate(String presented) {
        return rotate(presented, null);
    }

    /**
     * As {@link #rotate(String)}, asking {@code admission} (null: none) after the token proved valid and before it is
     * spent. A token spent already skips it, so a replay is detected as a reuse whatever the budget.
     */
    public Rotation rotate(String presented, Admission admission) {
        if (presented == null || presented.length() > 128) {
            return Rotation.failed(Failure.UNKNOWN, null);
        }
        String hash = hash(presented);
        Optional<byte[]> stored = store.get(TOKENS, hash);
        if (stored.isEmpty()) {
            return Rotation.failed(Failure.UNKNOWN, null);
        }
        Grant grant = decode(stored.get());
        if (store.get(REVOKED_FAMILIES, grant.family()).isPresent()) {
            return Rotation.failed(Failure.FAMILY_REVOKED, grant);
        }
        Instant now = clock.instant();
        if (grant.expiresAtMillis() <= now.toEpochMilli()) {
            return Rotation.failed(Failure.EXPIRED, grant);
        }
        Instant keep = Instant.ofEpochMilli(grant.expiresAtMillis());
        if (admission != null && store.get(SPENT, hash).isEmpty()) {
            try {
                admission.admit(grant);
            } catch (TokenRejectedException refused) {
                return new Rotation(Optional.empty(), Optional.of(grant), Failure.RATE_LIMITED,
                        refused.retryAfterSeconds());
            }
        }
        if (!store.putIfAbsent(SPENT, hash, new byte[] {1}, keep)) {
            store.put(REVOKED_FAMILIES, grant.family(), new byte[] {1}, keep);
            return Rotation.failed(Failure.REUSED_FAMILY_REVOKED, grant);
        }
        // the family keeps its original expiry: rotation does not extend a login forever
        return Rotation.ok(issue(grant), grant);
    }

    /** Revokes the family of a token (logout); returns its grant, or empty for an unknown token. */
    public Optional<Grant> revokeFamilyOf(String token) {
        if (token == null || token.length() > 128) {
            return Optional.empty();
        }
        Optional<Grant> grant = store.get(TOKENS, hash(token)).map(RefreshTokens::decode);
        grant.ifPresent(g -> store.put(REVOKED_FAMILIES, g.family(), new byte[] {1},
                Instant.ofEpochMilli(g.expiresAtMillis())));
        return grant;
    }

    /** Records where the login that started {@code grant}'s family was signed, for as long as the family lives. */
    public void signedAt(Grant grant, Site site) {
        // neither a domain (host[:port]) nor a URI the SIWE parser accepts holds a line break
        store.put(SITES, grant.family(), (site.domain() + '\n' + site.uri()).getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochMilli(grant.expiresAtMillis()));
    }

    /** Where {@code grant}'s family signed in; empty for a family started before sites were recorded. */
    public Optional<Site> site(Grant grant) {
        return store.get(SITES, grant.family()).map(bytes -> {
            String text = new String(bytes, StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            return newline < 0 ? null : new Site(text.substring(0, newline), text.substring(newline + 1));
        });
    }

    /** A new token of the grant's family. */
    public String issue(Grant grant) {
        String token = "rt_" + randomValue(32);
        store.put(TOKENS, hash(token), encode(grant), Instant.ofEpochMilli(grant.expiresAtMillis()));
        return token;
    }

    private String randomValue(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String hash(String token) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encode(Grant g) {
        try {
            return JSON.writeValueAsBytes(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Grant decode(byte[] b) {
        try {
            return JSON.readValue(b, Grant.class);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt refresh token record", e);
        }
    }
}
