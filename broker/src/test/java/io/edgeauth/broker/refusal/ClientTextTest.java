package io.edgeauth.broker.refusal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientTextTest {
    @Test
    void aClientsTextIsEchoedUpToItsBound() {
        assertThat(ClientText.cut("regoin", 64)).isEqualTo("regoin");
        assertThat(ClientText.cut("x".repeat(64), 64)).isEqualTo("x".repeat(64));
        assertThat(ClientText.cut("x".repeat(10_000), 64)).isEqualTo("x".repeat(64) + "...");
    }
}
