package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The configured retained bounds are the ones the broker's router applies (a setting does what it says). */
@InProcessBrokerTest.Config({"EDGEAUTH_MQTT_MAX_RETAINED_PER_TENANT=3", "EDGEAUTH_MQTT_MAX_RETAINED_PER_DEVICE=2"})
class RetainedLimitsSettingTest extends InProcessBrokerTest {

    @Test
    void theBrokersRouterAppliesTheConfiguredBounds() {
        assertThat(refused("d/a/up/1")).isFalse();
        assertThat(refused("d/a/up/2")).isFalse();
        assertThat(refused("d/a/up/3")).as("mqtt.maxRetainedPerDevice: 2").isTrue();
        assertThat(refused("d/b/up/1")).isFalse();
        assertThat(refused("d/c/up/1")).as("mqtt.maxRetainedPerTenant: 3").isTrue();
    }

    private static boolean refused(String topic) {
        return broker.router().publish("default", topic, "x".getBytes(StandardCharsets.UTF_8), 1, true, null, "test")
                .retainRefused();
    }
}
