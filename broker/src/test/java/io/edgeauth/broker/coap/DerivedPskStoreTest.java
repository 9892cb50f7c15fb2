package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;
import org.eclipse.californium.scandium.dtls.PskSecretResult;
import org.junit.jupiter.api.Test;

class DerivedPskStoreTest {
    private static final org.eclipse.californium.scandium.dtls.ConnectionId CID =
            new org.eclipse.californium.scandium.dtls.ConnectionId(new byte[] {1});

    /** RFC 5869 Appendix A.3 (SHA-256, empty salt, empty info): the first 32 bytes of its OKM. */
    @Test
    void matchesRfc5869TestCase3() {
        byte[] ikm = HexFormat.of().parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        assertThat(HexFormat.of().formatHex(DerivedPskStore.derive(ikm, "")))
                .isEqualTo("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
    }

    /** A factory deriving with the device SDK's helper gets the key this broker derives (should the two ever part). */
    @Test
    void theDeviceSdkDerivesTheSameKeys() {
        byte[] master = "a-fleet-master-secret-of-32-bytes".getBytes();
        for (String id : new String[] {"pump-1", "sensör-7", ""}) {
            assertThat(io.edgeauth.device.DeviceSecrets.derive(master, id)).isEqualTo(DerivedPskStore.derive(master, id));
        }
    }

    @Test
    void differentDevicesGetDifferentKeys() {
        byte[] master = "a-fleet-master-secret-of-32-bytes".getBytes();
        assertThat(DerivedPskStore.derive(master, "dev1")).hasSize(32)
                .isNotEqualTo(DerivedPskStore.derive(master, "dev2"))
                .isEqualTo(DerivedPskStore.derive(master, "dev1"));
    }

    @Test
    void refusesUnusableIdentitiesAndShortSecrets() {
        DerivedPskStore store = new DerivedPskStore("0123456789abcdef".getBytes());
        PskSecretResult ok = store.requestPskSecretResult(CID, null, new PskPublicInformation("dev1"), "HmacSHA256",
                null, null, false);
        assertThat(ok.getSecret()).isNotNull();
        for (String bad : new String[] {"", "a/b", "d#", "x".repeat(129), "sp ace"}) {
            assertThat(store.requestPskSecretResult(CID, null, new PskPublicInformation(bad), "HmacSHA256",
                    null, null, false).getSecret()).as(bad).isNull();
        }
        assertThatThrownBy(() -> new DerivedPskStore(new byte[8])).isInstanceOf(IllegalArgumentException.class);
    }
}
