package io.edgeauth.broker.wallet;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.rate.TokenRequestLimits;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.wallet.SiweException;
import io.edgeauth.wallet.SiweVerifier;
import io.edgeauth.wallet.VerifiedLogin;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Wallet sessions: a verified SIWE login becomes a short-lived access token ({@code sub} =
 * {@code did:pkh:eip155:<chain>:<address>}) and a rotating refresh token; refreshes rotate, and a
 * reused refresh token revokes its family (audited). Owned devices are not put in the token: the
 * authentication pipeline reads them from the registry at each connect, so a claim cannot be forged
 * and a transfer takes effect at once. A wallet whose subject an operator revoked gets no token (login or
 * refresh) until the revocation is lifted. Revoking a refresh token (logout) or reusing one also revokes the
 * family's access tokens, by the family's {@code parent_jti} ({@link RefreshTokens#familyTokenId}), which ends
 * their sessions. Tokens are bounded per wallet ({@code tokenRequests.perClientBurst}, {@link #limitedBy}): its logins
 * and the refreshes of every family of it draw on one budget, taken once the signature or the refresh token proved the
 * wallet and before anything is signed or spent. Thread-safe.
 */
public final class WalletSessions {
    private final SiweVerifier verifier;
    private final RefreshTokens refreshTokens;
    private final TokenIssuer issuer;
    private final RevocationService revocations;
    private final String tenant;
    private final List<String> audiences;
    private final AuditLog audit;
    private final MeterRegistry meters;
    /** Set once at start-up ({@link #limitedBy}); none until then. */
    private volatile TokenRequestLimits limits = TokenRequestLimits.NONE;

    /** An access token with its refresh token. */
    public record TokenPair(IssuedToken access, String refresh) { }

    /** A completed login. */
    public record Login(TokenPair tokens, VerifiedLogin login) { }

    public WalletSessions(SiweVerifier verifier, RefreshTokens refreshTokens, TokenIssuer issuer,
                          RevocationService revocations,
                          String tenant, List<String> audiences, AuditLog audit, MeterRegistry meters) {
        this.verifier = verifier;
        this.refreshTokens = refreshTokens;
        this.issuer = issuer;
        this.revocations = revocations;
        this.tenant = tenant;
        this.audiences = List.copyOf(audiences);
        this.audit = audit;
        this.meters = meters;
    }

    /** Bounds the tokens issued per wallet by {@code limits} (config {@code tokenRequests}); returns this. */
    public WalletSessions limitedBy(TokenRequestLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    public String nonce() {
        return verifier.issueNonce();
    }

    /**
     * Verifies a signed SIWE message; may block (EIP-1271 asks a node), so call it off the event loop.
     *
     * @throws TokenRejectedException REVOKED while the wallet's subject revocation holds; RATE_LIMITED, with the wait,
     *     over the wallet's token budget (each audited as {@code siwe.login})
     */
    public Login login(String message, String signature, String remote) throws SiweException, TokenRejectedException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("remote", remote);
        try {
            VerifiedLogin login = verifier.verify(message, signature);
            if (revocations.blocksIssuance(login.did())) {
                fields.put("sub", login.did());
                audit.record("siwe.login", RejectionReason.REVOKED.code(), fields);
                meters.counter("edgeauth.siwe.logins", "outcome", RejectionReason.REVOKED.code()).increment();
                throw new TokenRejectedException(RejectionReason.REVOKED,
                        "the wallet is revoked; no token is issued until an operator lifts the revocation");
            }
            takeIssuance(login.did(), fields);
            RefreshTokens.Grant grant = refreshTokens.start(login.did(), tenant);
            refreshTokens.signedAt(grant, new RefreshTokens.Site(login.message().domain(), login.message().uri()));
            IssuedToken access = issue(grant, TokenFormat.JWT);
            String refresh = refreshTokens.issue(grant);
            fields.put("sub", login.did());
            fields.put("contract_wallet", login.contractWallet());
            fields.put("token", io.edgeauth.broker.token.Fingerprints.of(access.bytes()));
            audit.record("siwe.login", "ok", fields);
            meters.counter("edgeauth.siwe.logins", "outcome", "ok").increment();
            meters.counter("edgeauth.tokens.issued", "grant", "siwe", "format", "jwt").increment();
            return new Login(new TokenPair(access, refresh), login);
        } catch (SiweException e) {
            fields.put("address", claimedAddress(message)); // the wallet the refused message names (unproven)
            fields.put("detail", e.getMessage());
            audit.record("siwe.login", e.code().name().toLowerCase(java.util.Locale.ROOT), fields);
            meters.counter("edgeauth.siwe.logins", "outcome", e.code().name().toLowerCase(java.util.Locale.ROOT)).increment();
            throw e;
        }
    }

    /** The wallet's token budget at login (its signature verified); a refusal is audited as the revocation is. */
    private void takeIssuance(String did, Map<String, Object> fields) throws TokenRejectedException {
        try {
            limits.takeWalletIssuance(did);
        } catch (TokenRejectedException e) {
            fields.put("sub", did);
            fields.put("detail", e.getMessage());
            audit.record("siwe.login", e.reason().code(), fields);
            meters.counter("edgeauth.siwe.logins", "outcome", e.reason().code()).increment();
            throw e.audited();
        }
    }

    /** The address a SIWE message claims, or null when it is no SIWE message; read for a refusal's audit only. */
    private static String claimedAddress(String message) {
        try {
            return message == null ? null : io.edgeauth.wallet.SiweParser.parse(message).address();
        } catch (SiweException | RuntimeException unreadable) {
            return null;
        }
    }

    /** The chain id of a wallet DID ({@code did:pkh:eip155:<chain>:<address>}), or -1 if it names none. */
    static long chainOf(String did) {
        String[] parts = did.split(":");
        try {
            return parts.length == 5 ? Long.parseLong(parts[3]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** As {@link #refresh(String, TokenFormat, String)} from an unknown address. */
    public Optional<TokenPair> refresh(String presented, TokenFormat format) throws TokenRejectedException {
        return refresh(presented, format, null);
    }

    /**
     * Rotates a refresh token; empty if refused (a reuse also revokes the family and is audited). {@code remote}, the
     * source address in the audit format, is in the audit events: a reuse's is the one piece of evidence of who
     * replayed a rotated token.
     *
     * @throws TokenRejectedException RATE_LIMITED, with the wait, over the wallet's token budget (audited as
     *     {@code refresh.refused}); the presented token is not spent and serves after the wait
     */
    public Optional<TokenPair> refresh(String presented, TokenFormat format, String remote)
            throws TokenRejectedException {
        // a revoked wallet spends no budget: its refresh ends the family below
        RefreshTokens.Rotation r = refreshTokens.rotate(presented, !limits.boundsClients() ? null
                : g -> {
                    if (!revocations.blocksIssuance(g.subject())) {
                        limits.takeWalletIssuance(g.subject());
                    }
                });
        if (r.failure() != null) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("remote", remote);
            r.grant().ifPresent(g -> {
                fields.put("sub", g.subject());
                fields.put("family", g.family());
            });
            String outcome = r.failure().name().toLowerCase(java.util.Locale.ROOT);
            boolean reused = r.failure() == RefreshTokens.Failure.REUSED_FAMILY_REVOKED;
            audit.record(reused ? "refresh.reuse_detected" : "refresh.refused", outcome, fields);
            meters.counter("edgeauth.tokens.refused", "grant", "refresh_token", "reason", outcome).increment();
            if (reused) { // the thief or the owner holds an access token of the family: both end
                revokeAccessTokens(r.grant().orElseThrow(), "refresh token reused");
            }
            if (r.failure() == RefreshTokens.Failure.RATE_LIMITED) {
                throw new TokenRejectedException(RejectionReason.RATE_LIMITED,
                        "too many tokens for this wallet; retry later").retryAfter(r.retryAfterSeconds()).audited();
            }
            return Optional.empty();
        }
        RefreshTokens.Grant grant = r.grant().orElseThrow();
        String ended = endedBy(grant);
        if (ended != null) {
            refreshTokens.revokeFamilyOf(r.token().orElseThrow());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("remote", remote);
            fields.put("sub", grant.subject());
            fields.put("family", grant.family());
            audit.record("refresh.refused", ended, fields);
            meters.counter("edgeauth.tokens.refused", "grant", "refresh_token", "reason", ended).increment();
            return Optional.empty();
        }
        IssuedToken access = issue(grant, format);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", "refresh_token");
        fields.put("remote", remote);
        fields.put("sub", grant.subject());
        fields.put("token", io.edgeauth.broker.token.Fingerprints.of(access.bytes()));
        audit.record("token.issued", "ok", fields);
        meters.counter("edgeauth.tokens.issued", "grant", "refresh_token", "format", format.name().toLowerCase(java.util.Locale.ROOT))
                .increment();
        return Optional.of(new TokenPair(access, r.token().orElseThrow()));
    }

    /**
     * Why {@code grant}'s family ends now, or null: a revoked wallet; a chain, domain or origin the config no longer
     * accepts, which went on minting access tokens for up to wallet.refreshTokenLifetime (tour I, I14).
     */
    private String endedBy(RefreshTokens.Grant grant) {
        if (revocations.blocksIssuance(grant.subject())) {
            return RejectionReason.REVOKED.code();
        }
        if (!verifier.acceptsChain(chainOf(grant.subject()))) {
            return "chain_not_allowed";
        }
        Optional<RefreshTokens.Site> site = refreshTokens.site(grant);
        if (site.isPresent() && !verifier.acceptsDomain(site.get().domain())) {
            return "domain_not_allowed";
        }
        return site.isPresent() && !verifier.acceptsUri(site.get().uri()) ? "uri_not_allowed" : null;
    }

    /**
     * RFC 7009 for refresh tokens: ends the family and the access tokens issued from it (§2.1). Presenting the
     * token proves possession, so it needs no other credential.
     */
    public void revokeRefreshToken(String token) {
        refreshTokens.revokeFamilyOf(token).ifPresent(g -> {
            revokeAccessTokens(g, "refresh token revoked");
            audit.record("refresh.revoked", "ok", Map.of("sub", g.subject(), "family", g.family()));
        });
    }

    private void revokeAccessTokens(RefreshTokens.Grant grant, String reason) {
        revocations.revoke(Revocation.Kind.JTI, RefreshTokens.familyTokenId(grant.family()), reason);
    }

    private IssuedToken issue(RefreshTokens.Grant grant, TokenFormat format) {
        return issuer.issue(TokenClaims.builder(tenant, grant.subject()).audience(audiences.toArray(String[]::new))
                .parentTokenIds(List.of(RefreshTokens.familyTokenId(grant.family()))).build(), format);
    }
}
