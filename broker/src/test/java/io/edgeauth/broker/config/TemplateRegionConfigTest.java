package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A provisioning template's region is given to every device enrolled under it, so it is held to the registry's bound
 * on a device's region at start-up: a bigger one was accepted, and then every enrollment that used it failed (tour G,
 * G9).
 */
class TemplateRegionConfigTest {
    private static final String ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

    private static String cells(int n) {
        return IntStream.range(0, n).mapToObj(i -> "u3" + ALPHABET.charAt(i / 32 % 32) + ALPHABET.charAt(i % 32))
                .collect(Collectors.joining(",", "[", "]"));
    }

    @Test
    void aTemplateRegionOverTheRegistrysBoundIsRefusedNamingIt() {
        assertThatThrownBy(() -> new ConfigLoader().load(null,
                Map.of("EDGEAUTH_PROVISIONING_TEMPLATES", "{field: {region: " + cells(1001) + "}}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("provisioning.templates.field.region: 1001 cells; a device's region holds at most 1000");
    }

    @Test
    void aTemplateRegionAtTheBoundIsAccepted() {
        BrokerConfig c = new ConfigLoader().load(null,
                Map.of("EDGEAUTH_PROVISIONING_TEMPLATES", "{field: {region: " + cells(1000) + "}}"));
        assertThat(c.provisioning().templates().get("field").region()).hasSize(1000);
    }
}
