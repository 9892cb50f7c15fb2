package io.edgeauth.simulator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.onboard.AdminApiException;
import org.junit.jupiter.api.Test;

class StageFailureTest {

    @Test
    void anAdminCallFailingInItsOwnStageIsNamedOnce() {
        assertThat(StageFailure.of("register", new AdminApiException("register:409")).outcome()).isEqualTo("register:409");
        assertThat(StageFailure.of("chaos", new AdminApiException("revoke:io")).outcome()).isEqualTo("chaos:revoke:io");
    }

    @Test
    void aTransportFailuresDetailNamesItsCause() {
        // "register:io: register:io" and "authz:send_error: send_error" said nothing of what failed (tour AB, AB15)
        String admin = StageFailure.detailOf(new AdminApiException("register:io", new java.net.ConnectException("Connection refused")));
        assertThat(admin).contains("ConnectException").contains("Connection refused");
        String coap = StageFailure.detailOf(new io.edgeauth.simulator.coap.CoapTransportException("send_error",
                new java.io.IOException("DTLS handshake failed: no certificate")));
        assertThat(coap).contains("DTLS handshake failed: no certificate");
    }

    @Test
    void anAdminTransportFailureIsNamedByItsCauseNotByItsReasonAgain() {
        // "sim-3 failed register:io: register:io": the reason twice, the cause dropped (tour AB, AB4)
        assertThat(StageFailure.detailOf(new AdminApiException("register:io", new java.net.ConnectException())))
                .isEqualTo("java.net.ConnectException");
        assertThat(StageFailure.detailOf(new AdminApiException("register:io", new java.net.ConnectException("Connection refused"))))
                .isEqualTo("java.net.ConnectException: Connection refused");
        assertThat(StageFailure.detailOf(new AdminApiException("register:admin_credential_refused"))).isNull();
    }
}
