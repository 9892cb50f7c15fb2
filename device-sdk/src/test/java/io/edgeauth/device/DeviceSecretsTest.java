package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DeviceSecretsTest {
    /** HKDF-SHA256, empty salt, info "pump-1", over the master 00 01 .. 1f (computed with Python's hmac). */
    @Test
    void derivesTheDocumentedHkdf() {
        byte[] master = new byte[32];
        for (int i = 0; i < 32; i++) {
            master[i] = (byte) i;
        }
        assertThat(HexFormat.of().formatHex(DeviceSecrets.derive(master, "pump-1")))
                .isEqualTo("137e55936edec3750621a58eda5d64b057aa816c56299ceda5ae46c99346896c");
        assertThat(DeviceSecrets.derive(master, "pump-2")).isNotEqualTo(DeviceSecrets.derive(master, "pump-1"));
    }
}
