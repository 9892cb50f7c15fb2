package io.edgeauth.broker.coap;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.refusal.RefusalCategory;
import io.edgeauth.broker.refusal.RejectionReason;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;

/**
 * The one place where a typed refusal becomes a CoAP response: code, ACE error payload
 * (RFC 9200 §5.10.1 / §5.8.3: a CBOR map {@code {30 (error): <code>, 31 (error_description): "<reason>: <detail>"}},
 * Content-Format application/ace+cbor) and, for quota refusals, Max-Age. Stateless.
 */
final class CoapCodes {
    /** ACE parameter abbreviations (RFC 9200 Figure 12). */
    /** The largest Max-Age a CoAP option can say (32-bit unsigned, RFC 7252 §5.10.5). */
    static final long MAX_AGE_LIMIT = 0xFFFF_FFFFL;
    static final int ACE_ERROR = 30;
    static final int ACE_ERROR_DESCRIPTION = 31;
    /** ACE error code abbreviations (RFC 9200 Figure 10). */
    static final int INVALID_REQUEST = 1;
    static final int INVALID_CLIENT = 2;
    static final int UNAUTHORIZED_CLIENT = 4;
    static final int INVALID_SCOPE = 6;
    /** RFC 8707's error, which has no CBOR abbreviation: sent as text. */
    static final String INVALID_TARGET = "invalid_target";

    /** Where the refusal happened: token request ({@code /token}), token upload or access to a protected resource. */
    enum Where { TOKEN, AUTHZ_INFO, RESOURCE }

    private CoapCodes() {
    }

    /**
     * BAD_CREDENTIALS: 4.01, at authz-info (a token that is not valid, RFC 9200 §5.10.1.1) as on resources (no valid
     * token); NOT_AUTHORIZED: 4.01 at authz-info (valid token that entitles nothing here), 4.03 on resources;
     * QUOTA_EXCEEDED: 4.29; TOO_LARGE: 4.13 (no Max-Age: the same request never passes); SERVER_ERROR: 5.00; UNAVAILABLE (store outage) and BUSY (load shed): 5.03. At
     * {@code /token} the client-error categories follow the ACE error code instead ({@link #refusal}).
     */
    static ResponseCode codeOf(RefusalCategory category, Where where) {
        return switch (category) {
            case BAD_CREDENTIALS -> ResponseCode.UNAUTHORIZED;
            case NOT_AUTHORIZED -> where == Where.RESOURCE ? ResponseCode.FORBIDDEN : ResponseCode.UNAUTHORIZED;
            case QUOTA_EXCEEDED -> ResponseCode.TOO_MANY_REQUESTS;
            case TOO_LARGE -> ResponseCode.REQUEST_ENTITY_TOO_LARGE;
            case SERVER_ERROR -> ResponseCode.INTERNAL_SERVER_ERROR;
            case UNAVAILABLE, BUSY -> ResponseCode.SERVICE_UNAVAILABLE;
        };
    }

    /**
     * The last notification of an Observe relation whose session ended (expired, revoked, replaced): 4.01, so
     * the client uploads a token again whatever ended it.
     */
    static ResponseCode observationEnded() {
        return ResponseCode.UNAUTHORIZED;
    }

    /**
     * A refusal response with the ACE error payload; {@code retryAfterSeconds} sets Max-Age on 4.29 and on a
     * load-shedding 5.03 (RFC 7252 §5.9.3.4: Max-Age says when the client may retry).
     */
    static Response refusal(RejectionReason reason, String detail, Where where, long retryAfterSeconds) {
        int aceError = aceErrorCode(reason, where);
        // a malformed or oversized body is no token (authz-info) nor a credential's fault (a resource, where the token
        // is bound already: a 4.01 sent the device SDK to upload its token again for nothing): 4.00, as RFC 9200
        // §5.10.1.1 allows. At /token, RFC 9200 §5.8.3: 4.01 for invalid_client, 4.00 for the other error codes
        ResponseCode code = isRequestFault(reason) ? ResponseCode.BAD_REQUEST
                : where == Where.TOKEN && isClientError(reason.category())
                        ? (aceError == INVALID_CLIENT ? ResponseCode.UNAUTHORIZED : ResponseCode.BAD_REQUEST)
                : codeOf(reason.category(), where);
        Response response = new Response(code);
        response.setPayload(aceError(reason, detail, aceError));
        response.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_ACE_CBOR);
        if (code == ResponseCode.TOO_MANY_REQUESTS || reason.category() == RefusalCategory.BUSY) {
            response.getOptions().setMaxAge(maxAge(retryAfterSeconds));
        }
        return response;
    }

    /** A retry wait as Max-Age: at least 1 s, and a wait beyond what the 32-bit option can say as its largest value. */
    static long maxAge(long retryAfterSeconds) {
        return Math.min(MAX_AGE_LIMIT, Math.max(1, retryAfterSeconds));
    }

    /**
     * {@code /token}'s answer to an audience (5) it will not issue for: 4.00 with the error {@code "invalid_target"}
     * (RFC 8707 §2, as {@code /oauth/token} answers it) as text, since the OAuth Error Code CBOR Mappings registry
     * (RFC 9200 §8.4, Figure 10) has no abbreviation for it and an unregistered integer would read as another error.
     */
    static Response invalidTarget(String detail) {
        Response response = new Response(ResponseCode.BAD_REQUEST);
        CBORObject map = CBORObject.NewMap().Add(ACE_ERROR, INVALID_TARGET)
                .Add(ACE_ERROR_DESCRIPTION, INVALID_TARGET + ": " + detail);
        response.setPayload(map.EncodeToBytes());
        response.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_ACE_CBOR);
        return response;
    }

    // ---- the protocol's own answers, before any resource: no payload (a spoofed source gets no more than it sent)

    /** A request whose method code the edge does not know, 0.08 to 0.31 (RFC 7252 §5.8): thrown by the parser. */
    static final ResponseCode UNKNOWN_METHOD = ResponseCode.METHOD_NOT_ALLOWED;
    /** A Uri-Path or Uri-Query that is not UTF-8 (RFC 7252 §3.2): malformed, as a bad topic path is. */
    static final ResponseCode NOT_UTF8 = ResponseCode.BAD_REQUEST;
    /** A critical option repeated though defined once, or too long (RFC 7252 §5.4.1, §5.4.3, §5.4.5). */
    static final ResponseCode UNUSABLE_OPTION = ResponseCode.BAD_OPTION;

    /** {@code GET /}: nothing there. */
    static Response nothingHere() {
        return new Response(ResponseCode.NOT_FOUND);
    }

    /** A request with an option the edge does not implement but would otherwise ignore (OSCORE): 4.02. */
    static Response badOption() {
        return new Response(ResponseCode.BAD_OPTION);
    }

    /** An Accept the resource cannot serve (RFC 7252 §5.10.4): 4.06. */
    static Response notAcceptable() {
        return new Response(ResponseCode.NOT_ACCEPTABLE);
    }

    /** A conditional request whose precondition fails (RFC 7252 §5.10.8): 4.12. */
    static Response preconditionFailed() {
        return new Response(ResponseCode.PRECONDITION_FAILED);
    }

    /** A proxy request (Proxy-Uri, Proxy-Scheme): the edge is no proxy, 5.05 (RFC 7252 §5.10.2). */
    static Response proxyingNotSupported() {
        return new Response(ResponseCode.PROXY_NOT_SUPPORTED);
    }

    /** Whether {@code response} is a 4.13 (Request Entity Too Large), Californium's own included. */
    static boolean isEntityTooLarge(Response response) {
        return response.getCode() == ResponseCode.REQUEST_ENTITY_TOO_LARGE;
    }

    /** A block-wise body announced larger than {@code limit} (RFC 7959 §2.9.3): 4.13 with the limit as Size1. */
    static Response entityTooLarge(int limit) {
        Response r = new Response(ResponseCode.REQUEST_ENTITY_TOO_LARGE);
        r.getOptions().setSize1(limit);
        return r;
    }

    /** A later block of no block-wise upload in progress: 4.08. */
    static Response entityIncomplete() {
        return new Response(ResponseCode.REQUEST_ENTITY_INCOMPLETE);
    }

    /** One block-wise upload more than the edge takes at once: 5.03 with Max-Age. */
    static Response uploadsBusy(long retryAfterSeconds) {
        Response r = new Response(ResponseCode.SERVICE_UNAVAILABLE);
        r.getOptions().setMaxAge(maxAge(retryAfterSeconds));
        return r;
    }

    /**
     * An ACE error map made smaller for an answer that must stay small ({@link AmplificationLimitLayer}): with
     * {@code keepReason} its description cut to the reason ({@code "expired"} of {@code "expired: no valid token
     * ..."}), else the error code alone ({@code {30: code}}); a payload that is no such map becomes empty.
     */
    static byte[] shortened(byte[] aceError, boolean keepReason) {
        try {
            CBORObject map = CBORObject.DecodeFromBytes(aceError);
            CBORObject error = map.get(CBORObject.FromObject(ACE_ERROR));
            if (error == null) {
                return new byte[0];
            }
            CBORObject shorter = CBORObject.NewMap().Add(ACE_ERROR, error);
            CBORObject description = map.get(CBORObject.FromObject(ACE_ERROR_DESCRIPTION));
            if (keepReason && description != null
                    && description.getType() == com.upokecenter.cbor.CBORType.TextString) {
                String text = description.AsString();
                shorter.Add(ACE_ERROR_DESCRIPTION, text.contains(":") ? text.substring(0, text.indexOf(':')) : text);
            }
            return shorter.EncodeToBytes();
        } catch (com.upokecenter.cbor.CBORException | IllegalStateException e) {
            return new byte[0];
        }
    }

    private static boolean isRequestFault(RejectionReason reason) {
        return reason == RejectionReason.MALFORMED || reason == RejectionReason.OVERSIZED;
    }

    static byte[] aceError(RejectionReason reason, String detail) {
        return aceError(reason, detail, aceErrorCode(reason, Where.AUTHZ_INFO));
    }

    private static byte[] aceError(RejectionReason reason, String detail, int aceError) {
        CBORObject map = CBORObject.NewMap();
        map.Add(ACE_ERROR, aceError);
        String description = detail == null || detail.isEmpty() ? reason.code() : reason.code() + ": " + detail;
        if (description.length() > 200) {
            description = description.substring(0, 200);
        }
        map.Add(ACE_ERROR_DESCRIPTION, description);
        return map.EncodeToBytes();
    }

    private static boolean isClientError(RefusalCategory category) {
        return category == RefusalCategory.BAD_CREDENTIALS || category == RefusalCategory.NOT_AUTHORIZED;
    }

    private static int aceErrorCode(RejectionReason reason, Where where) {
        // at /token these say the client failed authentication (unknown, or not the certificate registered for its
        // client_id): invalid_client, as /oauth/token answers them; elsewhere they are about a token's subject
        if (where == Where.TOKEN && (reason == RejectionReason.UNKNOWN_DEVICE
                || reason == RejectionReason.BINDING_MISMATCH || reason == RejectionReason.CLIENT_ID_MISMATCH
                || reason == RejectionReason.WRONG_TENANT)) { // a client of a tenant the config no longer names
            return INVALID_CLIENT;
        }
        return switch (reason.category()) {
            case BAD_CREDENTIALS -> reason == RejectionReason.MALFORMED || reason == RejectionReason.OVERSIZED
                    ? INVALID_REQUEST : INVALID_CLIENT;
            case NOT_AUTHORIZED -> reason == RejectionReason.FORBIDDEN ? INVALID_SCOPE : UNAUTHORIZED_CLIENT;
            case QUOTA_EXCEEDED, TOO_LARGE, SERVER_ERROR, UNAVAILABLE, BUSY -> INVALID_REQUEST;
        };
    }
}
