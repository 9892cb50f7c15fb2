package io.edgeauth.broker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicGrantTest {
    @Test
    void parsesPublishAndSubscribeGrants() {
        assertThat(TopicGrant.parse("sub:d/+/up/#")).isEqualTo(new TopicGrant(TopicGrant.Direction.SUB, "d/+/up/#"));
        assertThat(TopicGrant.parse("pub:d/+/down/#").scope()).isEqualTo("pub:d/+/down/#");
        assertThat(TopicGrant.parse("pub:ops/alerts").direction()).isEqualTo(TopicGrant.Direction.PUB);
    }

    @ParameterizedTest
    @ValueSource(strings = {"d/+/up/#", "pub:d/#/down", "pub:d/x+/down", "sub:#/up", "pub:d/+/down/#/x", "sub:",
            "sub:$share/g/d/+/up/#", "sub:$SYS/#", "pub:/d/x/down", "pubsub:d/+/down/#", "PUB:d/+/down/#",
            "sub:d/+/up/\u0000", "pub:d/+/down/\n"})
    void refusesMalformedGrants(String grant) {
        assertThatThrownBy(() -> TopicGrant.parse(grant)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pub:d/+/up/#", "pub:d/pump-7/up/t", "pub:#", "pub:d/#", "pub:+/+/up/x", "pub:d/+/+/x",
            "pub:d/+/up", "pub:+/#"})
    void noPublishGrantReachesDeviceTelemetry(String grant) {
        assertThatThrownBy(() -> TopicGrant.parse(grant)).hasMessageContaining("device telemetry");
    }

    @Test
    void refusesOversizedFilters() {
        assertThatThrownBy(() -> TopicGrant.parse("sub:" + "a".repeat(TopicGrant.MAX_FILTER_CHARS + 1)))
                .hasMessageContaining("limited");
    }

    @Test
    void coversOnlyTheSameDirectionAndNoWiderFilter() {
        TopicGrant down = TopicGrant.parse("pub:d/+/down/#");
        assertThat(down.covers(TopicGrant.parse("pub:d/pump-7/down/reboot"))).isTrue();
        assertThat(down.covers(TopicGrant.parse("pub:d/+/down/#"))).isTrue();
        assertThat(down.covers(TopicGrant.parse("sub:d/+/down/#"))).as("another direction").isFalse();
        assertThat(down.covers(TopicGrant.parse("pub:ops/x"))).as("another subtree").isFalse();
        assertThat(TopicGrant.parse("pub:d/pump-7/down/#").covers(down)).as("a wider filter").isFalse();
        assertThat(TopicGrant.parse("sub:d/pump-7/up/#").covers(TopicGrant.parse("sub:d/+/up/#"))).isFalse();
    }

    @Test
    void overlapIsLevelWise() {
        assertThat(TopicGrant.overlaps("d/+/up/#", "d/x/up")).isTrue();
        assertThat(TopicGrant.overlaps("d/+/down/#", "d/+/up/#")).isFalse();
        assertThat(TopicGrant.overlaps("a/b", "a/b/c")).isFalse();
        assertThat(TopicGrant.overlaps("+", "d/+/up/#")).isFalse();
        assertThat(TopicGrant.overlaps("ops/#", "d/+/up/#")).isFalse();
    }
}
