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
}
