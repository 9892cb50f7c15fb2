package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.http.HttpRefusals.Answer;
import io.edgeauth.broker.http.HttpRefusals.Where;
import io.edgeauth.broker.refusal.RejectionReason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Every refusal category (and the reasons the RFCs tell apart) at every kind of HTTP endpoint. */
class HttpRefusalsTest {

    @ParameterizedTest(name = "{1} at {0}: {2} {3}")
    @CsvSource({
            // client authentication at the token endpoint (RFC 6749 §5.2)
            "CLIENT_AUTHENTICATION, BAD_SIGNATURE,      401, invalid_client",
            "CLIENT_AUTHENTICATION, REVOKED,            401, invalid_client",
            "CLIENT_AUTHENTICATION, RATE_LIMITED,       429, slow_down",
            "CLIENT_AUTHENTICATION, INTERNAL_ERROR,     500, server_error",
            // token exchange (RFC 8693 §2.2.2)
            "TOKEN_EXCHANGE,        EXPIRED,            400, invalid_request",
            "TOKEN_EXCHANGE,        REVOKED,            400, invalid_request",
            "TOKEN_EXCHANGE,        CLIENT_ID_MISMATCH, 401, invalid_client",
            "TOKEN_EXCHANGE,        FORBIDDEN,          400, invalid_scope",
            "TOKEN_EXCHANGE,        RATE_LIMITED,       429, slow_down",
            "TOKEN_EXCHANGE,        INTERNAL_ERROR,     500, server_error",
            // Ethereum device login grant
            "DEVICE_LOGIN,          MALFORMED,          400, invalid_request",
            "DEVICE_LOGIN,          BAD_SIGNATURE,      401, invalid_client",
            "DEVICE_LOGIN,          WRONG_TENANT,       401, invalid_client",
            "DEVICE_LOGIN,          EXPIRED,            400, invalid_grant",
            "DEVICE_LOGIN,          UNKNOWN_DEVICE,     401, invalid_client",
            "DEVICE_LOGIN,          FORBIDDEN,          400, unauthorized_client",
            "DEVICE_LOGIN,          REVOKED,            400, invalid_grant",
            "DEVICE_LOGIN,          RATE_LIMITED,       429, slow_down",
            "DEVICE_LOGIN,          INTERNAL_ERROR,     500, server_error",
            // Sign-In with Ethereum
            "WALLET_LOGIN,          MALFORMED,          403, access_denied",
            "WALLET_LOGIN,          REVOKED,            403, access_denied",
            "WALLET_LOGIN,          RATE_LIMITED,       429, slow_down",
            "WALLET_LOGIN,          INTERNAL_ERROR,     500, server_error",
            // bearer tokens on resources (RFC 6750 §3.1)
            "BEARER,                BAD_SIGNATURE,      401, invalid_token",
            "BEARER,                REVOKED,            401, invalid_token",
            "BEARER,                RATE_LIMITED,       429, slow_down",
            // a message that never passes (tour H, H5): no Retry-After
            "RESOURCE,              MESSAGE_TOO_LARGE,  413, invalid_request",
            "BEARER,                INTERNAL_ERROR,     500, server_error",
            // a store outage, wherever it happens (RFC 6749 temporarily_unavailable, with Retry-After)
            "CLIENT_AUTHENTICATION, UNAVAILABLE,        503, temporarily_unavailable",
            "SERVICE_GRANT,         UNAVAILABLE,        503, temporarily_unavailable",
            "TOKEN_EXCHANGE,        UNAVAILABLE,        503, temporarily_unavailable",
            "DEVICE_LOGIN,          UNAVAILABLE,        503, temporarily_unavailable",
            "WALLET_LOGIN,          UNAVAILABLE,        503, temporarily_unavailable",
            "BEARER,                UNAVAILABLE,        503, temporarily_unavailable",
            // load shedding: the same retryable answer
            "CLIENT_AUTHENTICATION, SERVER_BUSY,        503, temporarily_unavailable",
            "BEARER,                SERVER_BUSY,        503, temporarily_unavailable",
            // a service client's grant: a scope beyond its grants is invalid_scope
            "SERVICE_GRANT,         FORBIDDEN,          400, invalid_scope",
            "SERVICE_GRANT,         BAD_SIGNATURE,      401, invalid_client",
    })
    void eachCategoryAtEachEndpoint(Where where, RejectionReason reason, int status, String error) {
        assertThat(HttpRefusals.answer(reason, where)).isEqualTo(new Answer(status, error));
    }

    @ParameterizedTest
    @EnumSource(RejectionReason.class)
    void everyReasonIsAClientOrServerErrorEverywhere(RejectionReason reason) {
        for (Where where : Where.values()) {
            Answer answer = HttpRefusals.answer(reason, where);
            assertThat(answer.status()).as("%s at %s", reason, where).isBetween(400, 599);
            assertThat(answer.error()).matches("[a-z_]+");
            assertThat(answer.status() >= 500).isEqualTo(reason == RejectionReason.INTERNAL_ERROR
                    || reason == RejectionReason.UNAVAILABLE || reason == RejectionReason.SERVER_BUSY);
        }
    }
}
