package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.Test;

/** A store outage is "service unavailable, retry" (5.03) at both CoAP entry points, not 5.00. */
class CoapUnavailableTest {
    @Test
    void aStoreOutageAnswers503() {
        for (CoapCodes.Where where : CoapCodes.Where.values()) {
            assertThat(CoapCodes.refusal(RejectionReason.UNAVAILABLE, "store", where, 0).getCode())
                    .as(where.name()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
        }
        assertThat(CoapCodes.codeOf(RejectionReason.INTERNAL_ERROR.category(), CoapCodes.Where.RESOURCE))
                .isEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
    }
}
