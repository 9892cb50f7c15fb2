package io.edgeauth.broker.auth;

import java.util.concurrent.CompletionStage;

/**
 * The one authentication chain every protocol edge calls: parse, key lookup, signature, claims,
 * revocation, tenant, binding (cnf vs transport), geo, connection-attempt limits. Completes with a
 * {@link DeviceSession} or fails with {@link io.edgeauth.broker.refusal.TokenRejectedException} carrying the
 * typed reason (edges map {@link io.edgeauth.broker.refusal.RefusalCategory} to protocol codes).
 * Never blocks the calling thread; every attempt writes one audit event.
 */
public interface AuthPipeline {
    CompletionStage<DeviceSession> authenticate(AuthRequest request);
}
