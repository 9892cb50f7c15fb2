package io.edgeauth.broker.http;

import io.edgeauth.broker.auth.AuthPipeline;
import io.edgeauth.broker.auth.AuthRequest;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.KeyThumbprints;
import io.edgeauth.broker.auth.Protocol;
import io.edgeauth.broker.auth.TokenInspector;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.token.VerifiedToken;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * HTTP's door to the one authentication pipeline. A bearer credential is authenticated by {@link AuthPipeline}
 * exactly as an MQTT password or a CoAP {@code /authz-info} upload is (verifier and cache, revocation, tenant,
 * principal kind, registration, service grants, {@code cnf} against what this request's TLS channel proved, geo),
 * and the token a call is <em>about</em> (introspection, revocation) by the pipeline's {@link TokenInspector}.
 * No HTTP endpoint checks a token by hand. Runs on the request workers; the pipeline completes at once.
 */
final class BearerTokens {
    /** A session in force: who, in which tenant, with which token. */
    record Active(DeviceSession session) {
        VerifiedToken token() {
            return session.token();
        }

        String tenant() {
            return session.tenant();
        }

        String subject() {
            return session.principal();
        }
    }

    private final AuthPipeline pipeline;
    private final TokenInspector inspector;

    BearerTokens(AuthPipeline pipeline, TokenInspector inspector) {
        this.pipeline = pipeline;
        this.inspector = inspector;
    }

    /** The caller's session from its {@code Authorization: Bearer} token, or why not. */
    Active caller(RoutingContext ctx) throws TokenRejectedException {
        String bearer = bearer(ctx);
        if (bearer == null || bearer.isEmpty()) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "no token");
        }
        AuthRequest request = new AuthRequest(null, bearer.getBytes(StandardCharsets.US_ASCII), facts(ctx), null);
        try {
            return new Active(pipeline.authenticate(request).toCompletableFuture().join());
        } catch (CompletionException e) {
            if (e.getCause() instanceof TokenRejectedException refused) {
                throw refused;
            }
            throw e;
        }
    }

    /**
     * The caller's session, or null after answering 401 {@code invalid_token}: with a challenge naming the scheme only
     * when the request carried no bearer token, with the reason when it carried a bad one (RFC 6750 §3.1).
     */
    Active require(RoutingContext ctx, String what) {
        String bearer = bearer(ctx);
        if (bearer == null || bearer.isEmpty()) {
            HttpErrors.send(ctx, 401, "invalid_token", what);
            return null;
        }
        try {
            return caller(ctx);
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.BEARER);
            return null;
        }
    }

    /** The token a call names, in force, or empty for any refusal (introspection and revocation answer alike). */
    Optional<Active> inspect(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Active(inspector.inspect(text.getBytes(StandardCharsets.US_ASCII))));
        } catch (TokenRejectedException e) {
            return Optional.empty();
        }
    }

    /** The {@code Authorization: Bearer} value, or null. */
    static String bearer(RoutingContext ctx) {
        String header = ctx.request().getHeader("authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }

    /** What this request's connection proved: its source, TLS, and a verified client certificate if any. */
    static TransportFacts facts(RoutingContext ctx) {
        SocketAddress remote = ClientAddresses.of(ctx);
        InetSocketAddress source = remote == null || remote.hostAddress() == null
                ? null : new InetSocketAddress(remote.hostAddress(), remote.port());
        if (!ctx.request().isSSL()) {
            return TransportFacts.plain(Protocol.HTTP, source);
        }
        Certificate leaf = null;
        try {
            List<Certificate> chain = ctx.request().connection().peerCertificates();
            leaf = chain == null || chain.isEmpty() ? null : chain.get(0);
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate on this TLS connection: a bearer-only caller
        }
        return new TransportFacts(Protocol.HTTP, source, leaf == null ? null : KeyThumbprints.certificate(leaf), true,
                null, null, leaf == null ? null : KeyThumbprints.ofOrNull(leaf.getPublicKey()));
    }
}
