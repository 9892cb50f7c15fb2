package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.auth.AuthPipeline;
import io.edgeauth.broker.auth.AuthRequest;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the real pipeline. Tokens are text: {@code principal|tenant|expSeconds[|scopes[|plan[|x5t[|cells[|iatSeconds]]]]]}
 * (scopes space separated, GeoHash cells comma separated; the expiry is relative to now, may be fractional) or {@code reject:<reason code>}.
 * Anything else is malformed. Completes on another thread, like a real asynchronous pipeline.
 */
final class TestPipeline implements AuthPipeline {
    private static final Executor ASYNC = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-pipeline");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicInteger JTI = new AtomicInteger();

    final List<AuthRequest> requests = new CopyOnWriteArrayList<>();

    static String token(String principal, String tenant, double expSeconds) {
        return principal + "|" + tenant + "|" + expSeconds;
    }

    @Override
    public CompletionStage<DeviceSession> authenticate(AuthRequest request) {
        requests.add(request);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return session(request);
            } catch (TokenRejectedException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, ASYNC);
    }

    private static DeviceSession session(AuthRequest request) throws TokenRejectedException {
        String text = new String(request.token(), StandardCharsets.UTF_8);
        if (text.startsWith("reject:")) {
            String code = text.substring("reject:".length());
            RejectionReason reason = Arrays.stream(RejectionReason.values()).filter(r -> r.code().equals(code))
                    .findFirst().orElse(RejectionReason.MALFORMED);
            throw new TokenRejectedException(reason, "test refusal " + code);
        }
        String[] parts = text.split("\\|", -1);
        if (parts.length < 3) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "not a test token");
        }
        Instant now = Instant.now();
        Instant exp;
        try {
            exp = now.plusMillis((long) (Double.parseDouble(parts[2]) * 1000));
        } catch (NumberFormatException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "bad expiry");
        }
        if (!exp.isAfter(now)) {
            throw new TokenRejectedException(RejectionReason.EXPIRED, "expired");
        }
        Set<String> scope = parts.length > 3 && !parts[3].isEmpty() ? Set.of(parts[3].split(" ")) : Set.of();
        String plan = parts.length > 4 && !parts[4].isEmpty() ? parts[4] : "default";
        String x5t = parts.length > 5 && !parts[5].isEmpty() ? parts[5] : null;
        List<String> cells = parts.length > 6 && !parts[6].isEmpty() ? List.of(parts[6].split(",")) : List.of();
        if (x5t != null && !x5t.equals(request.transport().clientCertThumbprint())) {
            throw new TokenRejectedException(RejectionReason.BINDING_MISMATCH, "cnf does not match the client certificate");
        }
        Instant iat = parts.length > 7 && !parts[7].isEmpty() ? now.plusMillis((long) (Double.parseDouble(parts[7]) * 1000))
                : now; // relative to now, like the expiry (negative: issued earlier)
        String principal = parts[0];
        if (request.claimedId() != null && !request.claimedId().equals(principal)) {
            throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, "client id is not the token subject");
        }
        VerifiedToken token = new VerifiedToken(TokenFormat.JWT, "test", principal, List.of(), iat, null, exp,
                "jti-" + JTI.incrementAndGet(), "kid1", parts[1], scope, cells, null,
                new Confirmation(x5t, null), null, null, "fp" + JTI.get());
        return new DeviceSession(io.edgeauth.broker.auth.PrincipalKind.DEVICE, principal, parts[1], token, Set.of(), plan, request.transport());
    }
}
