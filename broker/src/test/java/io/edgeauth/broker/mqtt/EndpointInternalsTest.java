package io.edgeauth.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.impl.MqttEndpointImpl;
import org.junit.jupiter.api.Test;

/** Fails when a vertx-mqtt upgrade moves the private fields {@link EndpointInternals} relies on. */
class EndpointInternalsTest {

    @Test
    void dropsTheConnectPasswordOnceRead() {
        MqttEndpointImpl endpoint = new MqttEndpointImpl(null, "dev-1", new MqttAuth("dev-1", "eyJ.token.sig"), null,
                true, 5, "MQTT", 60, MqttProperties.NO_PROPERTIES, null, null);
        assertThat(endpoint.auth().getPassword()).isEqualTo("eyJ.token.sig");

        EndpointInternals.forgetCredentials(endpoint);

        assertThat(endpoint.auth()).isNull();
        assertThat(endpoint.clientIdentifier()).isEqualTo("dev-1");
    }
}
