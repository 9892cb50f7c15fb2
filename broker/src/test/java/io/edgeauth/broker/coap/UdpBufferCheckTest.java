package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UdpBufferCheckTest {

    /** No kernel here grants 1 GiB (the setting's upper bound) without a raised rmem_max/wmem_max. */
    @Test
    void aBufferTheKernelCapsIsNamedWithTheSysctlToRaise() {
        assertThat(UdpBufferCheck.shortfall(1 << 30, 1 << 30)).hasValueSatisfying(m -> assertThat(m)
                .startsWith("coap.receiveBufferBytes is 1073741824 but the kernel grants the CoAP sockets a receive buffer ")
                .contains("net.core.rmem_max)").contains("send buffer").contains("net.core.wmem_max)")
                .contains("sysctl -w net.core.rmem_max=1073741824 net.core.wmem_max=1073741824"));
    }

    @Test
    void aBufferWithinTheKernelsLimitsIsNotReported() {
        assertThat(UdpBufferCheck.shortfall(65_536, 65_536)).isEmpty();
        assertThat(UdpBufferCheck.shortfall(0, 0)).isEmpty();
    }
}
