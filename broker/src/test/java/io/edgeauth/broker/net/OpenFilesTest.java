package io.edgeauth.broker.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenFilesTest {

    @Test
    void theListenersSharesLeaveAReserveAndStayUsableUnderASmallLimit() {
        assertThat(OpenFiles.httpShare(20_000)).isEqualTo(5_000);
        assertThat(OpenFiles.mqttShare(20_000)).isEqualTo(20_000 - 5_000 - 1_024);
        assertThat(OpenFiles.mqttShare(1_024)).as("a 1,024 limit: a quarter for HTTP, an eighth kept").isEqualTo(640);
        assertThat(OpenFiles.mqttShare(100)).as("never below 64").isEqualTo(64);
        assertThat(OpenFiles.mqttShare(1L << 40)).isEqualTo(Integer.MAX_VALUE);
    }
}
