package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.audit.anomaly.RefusalBursts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The one documented format of {@code remote} (tour O, F4), and that the refusal-burst watch reads its host. */
class AuditAddressTest {
    @Test
    void numericHostColonPortWithIpv6InBrackets() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 48138);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 5683);
        assertThat(AuditAddress.of(v4)).isEqualTo("192.0.2.7:48138");
        assertThat(AuditAddress.of(v6)).isEqualTo("[2001:db8:0:0:0:0:0:7]:5683");
        assertThat(AuditAddress.of("::1", 1883)).isEqualTo("[::1]:1883");
        assertThat(AuditAddress.of((InetSocketAddress) null)).isNull();
        assertThat(RefusalBursts.host(AuditAddress.of(v4))).isEqualTo("192.0.2.7");
        assertThat(RefusalBursts.host(AuditAddress.of(v6))).isEqualTo("2001:db8:0:0:0:0:0:7");
    }
}
