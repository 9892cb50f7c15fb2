package io.edgeauth.broker.coap;

import io.edgeauth.broker.auth.TransportFacts;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The token service as the CoAP {@code /token} endpoint (RFC 9200 §5.8) needs it; the broker's issuer (token
 * package) implements it. Completes with the issued token or fails with a
 * {@link io.edgeauth.broker.refusal.TokenRejectedException} (bad assertion, replay, unknown device, ...).
 * Must not block the calling CoAP thread.
 */
public interface CoapTokenIssuer {

    /**
     * An ACE token request.
     *
     * @param grantType           {@code client_credentials} (the only grant the CoAP endpoint forwards)
     * @param clientAssertionType {@code urn:ietf:params:oauth:client-assertion-type:jwt-bearer}
     * @param clientAssertion     the RFC 7523 assertion bytes (JWT ASCII), never logged; empty when the client
     *                            authenticates by its DTLS certificate instead (then {@code clientId} names it)
     * @param scope               requested scope or null
     * @param audience            requested audience or null
     * @param tokenFormat         {@code cwt} (default on CoAP) or {@code jwt}
     * @param transport           what the transport proved (DTLS identity, source address)
     * @param clientId            ACE {@code client_id} (24), or null
     */
    record Request(String grantType, String clientAssertionType, byte[] clientAssertion, String scope,
                   String audience, String tokenFormat, TransportFacts transport, String clientId) {
        public Request {
            Objects.requireNonNull(grantType, "grantType");
            Objects.requireNonNull(clientAssertion, "clientAssertion");
            Objects.requireNonNull(transport, "transport");
        }
    }

    /**
     * @param accessToken      the token bytes (CWT, or JWT ASCII)
     * @param expiresInSeconds lifetime
     * @param scope            granted scope or null
     */
    record Issued(byte[] accessToken, long expiresInSeconds, String scope) {
        public Issued {
            Objects.requireNonNull(accessToken, "accessToken");
        }
    }

    CompletionStage<Issued> issue(Request request);

    /**
     * The request names an audience (5) the issuer will not issue a token for: OAuth's {@code invalid_target}
     * (RFC 8707 §2), which is no {@link io.edgeauth.broker.refusal.RejectionReason} (nothing about the client or a
     * token is wrong), so the issuer fails with this instead.
     */
    final class InvalidTargetException extends RuntimeException {
        public InvalidTargetException(String detail) {
            super(detail, null, false, false);
        }
    }
}
