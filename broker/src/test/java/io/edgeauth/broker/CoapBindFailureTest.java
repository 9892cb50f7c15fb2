package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.testsupport.TestBrokers;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CoAP or DTLS port another process holds stops start-up naming its key, as MQTT and HTTP bind errors do
 * (Californium starts the endpoints it can and only logs the others: the broker came up "ready" without them).
 */
class CoapBindFailureTest {
    @TempDir
    Path dir;

    @Test
    void aTakenCoapPortStopsStartUp() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            String port = String.valueOf(taken.getLocalPort());
            assertThatThrownBy(() -> Broker.start(TestBrokers.config(dir.resolve("a"), Map.of("EDGEAUTH_MQTT_PORT", "-1",
                    "EDGEAUTH_COAP_PORT", port)))).hasMessageContaining("coap.port").hasMessageContaining(port);
            assertThatThrownBy(() -> Broker.start(TestBrokers.config(dir.resolve("b"), Map.of("EDGEAUTH_MQTT_PORT", "-1",
                    "EDGEAUTH_COAP_DTLS_PORT", port)))).hasMessageContaining("coap.dtlsPort").hasMessageContaining(port);
        }
    }
}
