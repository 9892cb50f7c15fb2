package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.refusal.RefusalCategory;
import io.edgeauth.broker.refusal.RejectionReason;
import java.util.Arrays;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Every refusal category and reason as a CoAP response: code, ACE error payload and Max-Age. */
class CoapCodesTest {

    @ParameterizedTest(name = "{0} at {1}: {2}")
    @CsvSource({
            "BAD_CREDENTIALS, AUTHZ_INFO, UNAUTHORIZED", // RFC 9200 §5.10.1.1: a token that is not valid (was 4.00)
            "BAD_CREDENTIALS, RESOURCE,   UNAUTHORIZED",
            "NOT_AUTHORIZED,  AUTHZ_INFO, UNAUTHORIZED",
            "NOT_AUTHORIZED,  RESOURCE,   FORBIDDEN",
            "QUOTA_EXCEEDED,  AUTHZ_INFO, TOO_MANY_REQUESTS",
            "QUOTA_EXCEEDED,  RESOURCE,   TOO_MANY_REQUESTS",
            "TOO_LARGE,       RESOURCE,   REQUEST_ENTITY_TOO_LARGE",
            "SERVER_ERROR,    AUTHZ_INFO, INTERNAL_SERVER_ERROR",
            "SERVER_ERROR,    RESOURCE,   INTERNAL_SERVER_ERROR",
            "UNAVAILABLE,     AUTHZ_INFO, SERVICE_UNAVAILABLE",
            "BUSY,            AUTHZ_INFO, SERVICE_UNAVAILABLE",
            "BUSY,            RESOURCE,   SERVICE_UNAVAILABLE",
    })
    void eachCategoryHasOneCodePerPlace(RefusalCategory category, CoapCodes.Where where, ResponseCode code) {
        assertThat(CoapCodes.codeOf(category, where)).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0}: ACE error {1}")
    @CsvSource({
            "MALFORMED,          1", // invalid_request
            "OVERSIZED,          1",
            "BAD_SIGNATURE,      2", // invalid_client
            "EXPIRED,            2",
            "REVOKED,            4", // unauthorized_client
            "OUTSIDE_REGION,     4",
            "FORBIDDEN,          6", // invalid_scope
            "RATE_LIMITED,       1",
            "MESSAGE_TOO_LARGE,  1",
            "INTERNAL_ERROR,     1",
            "SERVER_BUSY,        1",
    })
    void aceErrorCodes(RejectionReason reason, int aceError) {
        CBORObject map = CBORObject.DecodeFromBytes(CoapCodes.aceError(reason, "detail"));
        assertThat(map.get(CBORObject.FromObject(CoapCodes.ACE_ERROR)).AsInt32()).isEqualTo(aceError);
        assertThat(map.get(CBORObject.FromObject(CoapCodes.ACE_ERROR_DESCRIPTION)).AsString())
                .isEqualTo(reason.code() + ": detail");
    }

    @ParameterizedTest
    @EnumSource(RejectionReason.class)
    void everyReasonIsAnErrorResponseWithAnAcePayload(RejectionReason reason) {
        for (CoapCodes.Where where : CoapCodes.Where.values()) {
            Response r = CoapCodes.refusal(reason, "x", where, 3);
            assertThat(r.getCode().codeClass).as("%s at %s", reason, where).isIn(4, 5);
            assertThat(r.getOptions().getContentFormat()).isEqualTo(MediaTypeRegistry.APPLICATION_ACE_CBOR);
            assertThat(r.getOptions().hasMaxAge()).isEqualTo(reason.category() == RefusalCategory.QUOTA_EXCEEDED
                    || reason.category() == RefusalCategory.BUSY);
        }
    }

    /**
     * RFC 9200 §5.10.1.1: "If the token is not valid, the RS MUST respond with ... 4.01 (Unauthorized)": a bad
     * signature, an unknown key or issuer got 4.00 (only an expired token got 4.01). What is no token at all stays
     * 4.00, as the RFC allows for a malformed request.
     */
    @ParameterizedTest
    @CsvSource({"BAD_SIGNATURE, UNAUTHORIZED", "UNKNOWN_KEY, UNAUTHORIZED", "UNKNOWN_ISSUER, UNAUTHORIZED",
            "WRONG_AUDIENCE, UNAUTHORIZED", "REPLAYED, UNAUTHORIZED", "MALFORMED, BAD_REQUEST", "OVERSIZED, BAD_REQUEST"})
    void anInvalidTokenUploadIsUnauthorizedAndNoTokenAtAllBadRequest(RejectionReason reason, ResponseCode code) {
        assertThat(CoapCodes.refusal(reason, "x", CoapCodes.Where.AUTHZ_INFO, 0).getCode()).isEqualTo(code);
    }

    /**
     * RFC 9200 §5.8.3 at {@code /token}: 4.01 for invalid_client, 4.00 for the other error codes (unauthorized_client
     * among them). It was the reverse: a bad assertion signature 4.00 invalid_client, an unknown device 4.01
     * unauthorized_client. A client that failed authentication (unknown, not the certificate registered) is
     * invalid_client, as HTTP's /oauth/token answers 401 invalid_client.
     */
    @ParameterizedTest(name = "{0} at /token: {1} {2}")
    @CsvSource({
            "BAD_SIGNATURE,    UNAUTHORIZED, 2",
            "REPLAYED,         UNAUTHORIZED, 2",
            "EXPIRED,          UNAUTHORIZED, 2",
            "UNKNOWN_DEVICE,   UNAUTHORIZED, 2",
            "BINDING_MISMATCH, UNAUTHORIZED, 2",
            "REVOKED,          BAD_REQUEST,  4",
            "OUTSIDE_REGION,   BAD_REQUEST,  4",
            "FORBIDDEN,        BAD_REQUEST,  6",
            "MALFORMED,        BAD_REQUEST,  1",
            "OVERSIZED,        BAD_REQUEST,  1",
            "RATE_LIMITED,     TOO_MANY_REQUESTS, 1",
            "INTERNAL_ERROR,   INTERNAL_SERVER_ERROR, 1",
            "SERVER_BUSY,      SERVICE_UNAVAILABLE, 1",
    })
    void atTheTokenEndpointInvalidClientIs401AndTheOtherErrors400(RejectionReason reason, ResponseCode code, int ace) {
        Response r = CoapCodes.refusal(reason, "x", CoapCodes.Where.TOKEN, 0);
        assertThat(r.getCode()).isEqualTo(code);
        assertThat(CBORObject.DecodeFromBytes(r.getPayload()).get(CBORObject.FromObject(CoapCodes.ACE_ERROR)).AsInt32())
                .isEqualTo(ace);
    }

    @Test
    void anExpiredTokenUploadIsUnauthorizedNotBadRequest() {
        // RFC 9200 §5.10.1.1: the token is well formed but no longer valid
        assertThat(CoapCodes.refusal(RejectionReason.EXPIRED, "x", CoapCodes.Where.AUTHZ_INFO, 0).getCode())
                .isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(CoapCodes.refusal(RejectionReason.EXPIRED, "x", CoapCodes.Where.RESOURCE, 0).getCode())
                .isEqualTo(ResponseCode.UNAUTHORIZED);
    }

    /**
     * On a resource the token is already bound: a malformed request (a bad topic path, a bad signature parameter) is the
     * request's fault, 4.00, not a credential's; a 4.01 sent the device SDK to upload its token again for nothing.
     */
    @Test
    void aMalformedRequestOnAResourceIsBadRequestNotUnauthorized() {
        assertThat(CoapCodes.refusal(RejectionReason.MALFORMED, "bad topic path", CoapCodes.Where.RESOURCE, 0).getCode())
                .isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(CoapCodes.refusal(RejectionReason.OVERSIZED, "x", CoapCodes.Where.RESOURCE, 0).getCode())
                .isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(CoapCodes.refusal(RejectionReason.BAD_SIGNATURE, "x", CoapCodes.Where.RESOURCE, 0).getCode())
                .as("a credential's fault stays 4.01").isEqualTo(ResponseCode.UNAUTHORIZED);
    }

    @Test
    void loadSheddingIsServiceUnavailableWithMaxAge() {
        Response r = CoapCodes.refusal(RejectionReason.SERVER_BUSY, "x", CoapCodes.Where.AUTHZ_INFO, 4);
        assertThat(r.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
        assertThat(r.getOptions().getMaxAge()).isEqualTo(4);
    }

    @Test
    void quotaRefusalsSayWhenToRetryAtLeastOneSecond() {
        assertThat(CoapCodes.refusal(RejectionReason.RATE_LIMITED, "x", CoapCodes.Where.RESOURCE, 7)
                .getOptions().getMaxAge()).isEqualTo(7);
        assertThat(CoapCodes.refusal(RejectionReason.RATE_LIMITED, "x", CoapCodes.Where.RESOURCE, 0)
                .getOptions().getMaxAge()).isEqualTo(1);
    }

    @Test
    void aLongDetailIsCutTo200Characters() {
        char[] detail = new char[1000];
        Arrays.fill(detail, 'a');
        CBORObject map = CBORObject.DecodeFromBytes(CoapCodes.aceError(RejectionReason.MALFORMED, new String(detail)));
        assertThat(map.get(CBORObject.FromObject(CoapCodes.ACE_ERROR_DESCRIPTION)).AsString()).hasSize(200);
    }

    @Test
    void anEndedObservationAsksForANewToken() {
        assertThat(CoapCodes.observationEnded()).isEqualTo(ResponseCode.UNAUTHORIZED);
    }

    /** Y3: a wait longer than Max-Age can say (32-bit unsigned seconds) is said as the longest Max-Age, not 1. */
    @Test
    void aWaitBeyondMaxAgeIsClampedToItsLargestValue() {
        Response r = CoapCodes.refusal(RejectionReason.RATE_LIMITED, "over", CoapCodes.Where.RESOURCE, Long.MAX_VALUE);
        assertThat(r.getOptions().getMaxAge()).isEqualTo(0xFFFF_FFFFL);
        assertThat(CoapCodes.refusal(RejectionReason.RATE_LIMITED, "over", CoapCodes.Where.RESOURCE, 0)
                .getOptions().getMaxAge()).isEqualTo(1L);
    }
}
