package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code --mqtt}/{@code --coap} take host:port; a URL was taken as a host name (tour N, N14). */
class HostPortTest {

    @Test
    void aUrlIsRefusedSayingWhatToWrite() {
        assertThatThrownBy(() -> RunCommand.hostPort("--mqtt", "tcp://127.0.0.1:1883"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--mqtt").hasMessageContaining("127.0.0.1:1883");
        assertThat(RunCommand.hostPort("--mqtt", "127.0.0.1:1883").getPort()).isEqualTo(1883);
    }
}
