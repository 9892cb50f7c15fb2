package io.edgeauth.simulator.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.edgeauth.device.DtlsEcProvider;
import io.edgeauth.simulator.fleet.SignatureProviders;
import java.net.InetSocketAddress;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoapDevicesNativeEcTest {
    @Test
    void dtlsDevicesMakeTheirEphemeralEcKeysWithTheNativeProvider() throws Exception {
        assumeThat(SignatureProviders.isNative()).as("ACCP must load on this platform").isTrue();
        boolean before = DtlsEcProvider.installed();
        CoapOptions options = new CoapOptions(new InetSocketAddress("127.0.0.1", 5684), true, false, false, false,
                false, true, false, false);
        try (CoapDevices devices = new CoapDevices(options, List.of(), 1)) {
            assertThat(DtlsEcProvider.installed()).isTrue();
            assertThat(KeyPairGenerator.getInstance("EC").getProvider().getName()).isEqualTo(DtlsEcProvider.NAME);
        } finally {
            if (!before) {
                DtlsEcProvider.remove();
            }
        }
    }
}
