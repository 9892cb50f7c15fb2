package io.edgeauth.broker.config;

import io.edgeauth.broker.keys.SecretFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * Every configured file that holds a secret must be readable by its owner only, the rule the key-encryption key file
 * always had ({@link SecretFiles}): the HSM PIN file, each enrollment group's secret (every device secret of the
 * group derives from it), the PSK master (every device's DTLS PSK derives from it), the TLS server key stores and the
 * key-encryption key. A file that does not exist is left to the checks that need it.
 */
final class SecretFileModesCheck {
    private SecretFileModesCheck() {
    }

    static void check(List<String> errors, BrokerConfig c) {
        for (BrokerConfig.Tenant t : c.tenants()) {
            if (t.hsm() != null) {
                add(errors, "tenants[" + t.id() + "].hsm.pinFile:", t.hsm().pinFile());
            }
        }
        List<BrokerConfig.EnrollmentGroup> groups = c.provisioning().enrollmentGroups();
        for (int i = 0; i < groups.size(); i++) {
            add(errors, "provisioning.enrollmentGroups[" + i + "].secretFile:", groups.get(i).secretFile());
        }
        add(errors, "coap.pskMasterSecretFile:", c.coap().pskMasterSecretFile());
        add(errors, "coap.keyStore:", c.coap().keyStore());
        add(errors, "mqtt.keyStore:", c.mqtt().keyStore());
        add(errors, "http.tls.keyStore:", c.http().tls().keyStore());
        add(errors, "store.keyEncryptionKeyFile:", c.store().keyEncryptionKeyFile());
    }

    private static void add(List<String> errors, String key, Path file) {
        SecretFiles.openToOthers(key, file).ifPresent(errors::add);
    }
}
