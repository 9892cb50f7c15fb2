package io.edgeauth.broker.coap;

import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.edgeauth.broker.admission.AdmissionControl;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.token.TokenTooLargeException;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /token} (ACE, RFC 9200 §5.8): parses the CBOR token request, has the {@link CoapTokenIssuer}
 * authenticate the client and issue, and answers the token or a typed refusal. Thread-safe.
 */
final class AceTokenHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AceTokenHandler.class);

    private final int maxTokenBytes;
    private final MeterRegistry meters;
    private final CoapAudit audit;
    private final DeferredAcks acks;

    /** ACE parameter abbreviations (RFC 9200 Figure 12) used by {@code /token}. */
    static final int ACE_ACCESS_TOKEN = 1;
    static final int ACE_EXPIRES_IN = 2;
    static final int ACE_AUDIENCE = 5;
    static final int ACE_SCOPE = 9;
    static final int ACE_CLIENT_ID = 24;
    static final int ACE_GRANT_TYPE = 33;
    static final int ACE_PROFILE = 38;
    /** grant_type abbreviation of client_credentials (RFC 9200 Figure 11). */
    static final int GRANT_CLIENT_CREDENTIALS = 2;
    /** ace_profile coap_dtls (RFC 9202). */
    static final int PROFILE_COAP_DTLS = 1;

    AceTokenHandler(int maxTokenBytes, MeterRegistry meters, CoapAudit audit, DeferredAcks acks) {
        this.maxTokenBytes = maxTokenBytes;
        this.acks = acks;
        this.meters = meters;
        this.audit = audit;
    }

    void handle(CoapExchange exchange, CoapTokenIssuer issuer, AdmissionControl admission) {
        Request request = exchange.advanced().getRequest();
        String peerKey = PeerIdentity.keyOf(request.getSourceContext());
        CoapTokenIssuer.Request tokenRequest;
        try {
            tokenRequest = tokenRequestOf(request.getPayload(), request.getOptions().getContentFormat(),
                    PeerIdentity.factsOf(request.getSourceContext()));
        } catch (TokenRejectedException e) {
            refuseToken(exchange, peerKey, e);
            return;
        }
        java.util.Optional<AdmissionControl.Permit> permit = admission.tryAdmit("coap");
        if (permit.isEmpty()) { // load shedding: 5.03 with Max-Age before any work
            meters.counter("edgeauth.coap.token", "outcome", RejectionReason.SERVER_BUSY.code()).increment();
            exchange.respond(CoapCodes.refusal(RejectionReason.SERVER_BUSY, "server busy, retry later",
                    CoapCodes.Where.TOKEN, admission.retryAfterSeconds()));
            return;
        }
        CompletionStage<CoapTokenIssuer.Issued> result;
        try {
            result = issuer.issue(tokenRequest).whenComplete((i, e) -> permit.get().close());
        } catch (RuntimeException e) {
            permit.get().close();
            LOG.warn("token issuer threw", e);
            refuseToken(exchange, peerKey, RejectionReason.INTERNAL_ERROR, "token could not be issued");
            return;
        }
        acks.acknowledgeLater(exchange, result);
        result.whenComplete((issued, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof TokenRejectedException t && t.isAudited()) { // token.refused: one event
                    meters.counter("edgeauth.coap.token", "outcome", t.reason().code()).increment();
                    exchange.respond(CoapCodes.refusal(t.answeredReason(), t.getMessage(), CoapCodes.Where.TOKEN,
                            t.retryAfterSeconds())); // a token-request bound's real wait as Max-Age on 4.29
                } else if (cause instanceof TokenRejectedException t) {
                    refuseToken(exchange, peerKey, t);
                } else if (cause instanceof CoapTokenIssuer.InvalidTargetException t) {
                    meters.counter("edgeauth.coap.token", "outcome", CoapCodes.INVALID_TARGET).increment();
                    audit.refused("/token", peerKey, exchange.getSourceSocketAddress(), null, RejectionReason.MALFORMED,
                            CoapCodes.INVALID_TARGET + ": " + t.getMessage());
                    exchange.respond(CoapCodes.invalidTarget(t.getMessage()));
                } else if (TokenTooLargeException.in(cause) != null) { // a setting to change: said as over HTTP
                    String detail = TokenTooLargeException.in(cause).getMessage();
                    LOG.error("CoAP /token: {}", detail);
                    refuseToken(exchange, peerKey, RejectionReason.INTERNAL_ERROR, detail);
                } else {
                    LOG.warn("token issuer failed", cause);
                    refuseToken(exchange, peerKey, RejectionReason.ofFailure(cause), "token could not be issued");
                }
                return;
            }
            CBORObject body = CBORObject.NewMap()
                    .Add(ACE_ACCESS_TOKEN, issued.accessToken())
                    .Add(ACE_EXPIRES_IN, issued.expiresInSeconds())
                    .Add(ACE_PROFILE, PROFILE_COAP_DTLS);
            if (issued.scope() != null) {
                body.Add(ACE_SCOPE, issued.scope());
            }
            meters.counter("edgeauth.coap.token", "outcome", "ok").increment();
            exchange.respond(ResponseCode.CREATED, body.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR);
        });
    }

    /**
     * Parses {@code {33 (grant_type): 2 | "client_credentials", "client_assertion_type": tstr,
     * "client_assertion": tstr / bstr, ? 9 (scope): tstr, ? 5 (audience): tstr, ? "token_format": tstr}}; over
     * DTLS with a client certificate, {@code 24 (client_id): tstr} may stand in for the assertion.
     */
    CoapTokenIssuer.Request tokenRequestOf(byte[] payload, int contentFormat, TransportFacts facts)
            throws TokenRejectedException {
        // RFC 9200 §5.8.1: application/ace+cbor; none is taken as it, another is no token request (tour AF, AF3)
        if (contentFormat != MediaTypeRegistry.UNDEFINED && contentFormat != MediaTypeRegistry.APPLICATION_ACE_CBOR) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "content-format " + contentFormat
                    + ": send the token request as application/ace+cbor (19)");
        }
        if (payload == null || payload.length == 0) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "empty token request");
        }
        if (payload.length > 2 * maxTokenBytes) {
            throw new TokenRejectedException(RejectionReason.OVERSIZED, "token request too large");
        }
        CBORObject m;
        try {
            m = CBORObject.DecodeFromBytes(payload);
        } catch (CBORException | IllegalStateException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "token request is not valid CBOR");
        }
        if (m.getType() != CBORType.Map) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "token request must be a CBOR map");
        }
        CBORObject grant = m.get(CBORObject.FromObject(ACE_GRANT_TYPE));
        // exactly the untagged integer 2 or the text: a bignum, float or NaN is no grant (and must not throw)
        boolean clientCredentials = grant != null && !grant.isTagged()
                && (grant.getType() == CBORType.Integer && grant.CanValueFitInInt32()
                        && grant.AsInt32Value() == GRANT_CLIENT_CREDENTIALS
                || grant.getType() == CBORType.TextString && grant.AsString().equals("client_credentials"));
        if (!clientCredentials) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "grant_type must be client_credentials");
        }
        CBORObject assertion = m.get("client_assertion");
        String clientId = text(m.get(CBORObject.FromObject(ACE_CLIENT_ID)));
        byte[] assertionBytes;
        if (assertion == null && clientId != null && facts.clientCertThumbprint() != null) {
            assertionBytes = new byte[0]; // the DTLS client certificate authenticates the client (RFC 9202)
        } else if (assertion == null || (assertion.getType() != CBORType.TextString
                && assertion.getType() != CBORType.ByteString)
                || assertion.getType() == CBORType.TextString && assertion.AsString().isEmpty()
                || assertion.getType() == CBORType.ByteString && assertion.GetByteString().length == 0) {
            // an empty one is none: only a DTLS certificate peer naming its client_id may go without
            throw new TokenRejectedException(RejectionReason.MALFORMED,
                    "client_assertion missing (or client_id over DTLS with a client certificate)");
        } else {
            assertionBytes = assertion.getType() == CBORType.ByteString ? assertion.GetByteString()
                    : assertion.AsString().getBytes(StandardCharsets.US_ASCII);
        }
        return new CoapTokenIssuer.Request("client_credentials", text(m.get("client_assertion_type")), assertionBytes,
                text(m.get(CBORObject.FromObject(ACE_SCOPE))), text(m.get(CBORObject.FromObject(ACE_AUDIENCE))),
                text(m.get("token_format")) == null ? "cwt" : text(m.get("token_format")), facts, clientId);
    }

    private static String text(CBORObject o) {
        return o != null && o.getType() == CBORType.TextString ? o.AsString() : null;
    }

    /** Audits the precise reason and detail; answers what the client may learn (an unknown client as a forgery). */
    private void refuseToken(CoapExchange exchange, String peerKey, TokenRejectedException t) {
        meters.counter("edgeauth.coap.token", "outcome", t.reason().code()).increment();
        audit.refused("/token", peerKey, exchange.getSourceSocketAddress(), null, t.reason(), t.auditDetail());
        exchange.respond(CoapCodes.refusal(t.answeredReason(), t.getMessage(), CoapCodes.Where.TOKEN,
                t.retryAfterSeconds()));
    }

    private void refuseToken(CoapExchange exchange, String peerKey, RejectionReason reason, String detail) {
        meters.counter("edgeauth.coap.token", "outcome", reason.code()).increment();
        audit.refused("/token", peerKey, exchange.getSourceSocketAddress(), null, reason, detail);
        exchange.respond(CoapCodes.refusal(reason, detail, CoapCodes.Where.TOKEN, 0));
    }
}
