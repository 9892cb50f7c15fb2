package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An empty list item or named entry is refused naming its key path, not with Java's NullPointerException text. */
class NullEntriesConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void emptyItemsAndEntriesAreNamed() throws Exception {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("tenants:\n  -\n", "tenants[0]"), // read as an empty text from a file
                Map.entry("tenants: [null]\n", "tenants[0]"),
                Map.entry("trustedIssuers: [null]\n", "trustedIssuers[0]"),
                Map.entry("ratePlans: {default: null}\n", "ratePlans.default"),
                Map.entry("tokens: {audiences: [mqtt, null]}\n", "tokens.audiences[1]"),
                Map.entry("tokens: {resourceServers: [null]}\n", "tokens.resourceServers[0]"),
                Map.entry("wallet: {chainIds: [null]}\n", "wallet.chainIds[0]"),
                Map.entry("wallet: {rpcEndpoints: {\"1\": null}}\n", "wallet.rpcEndpoints.1"),
                Map.entry("tenants: [{id: default, selfServiceScopes: [null]}]\n", "tenants[0].selfServiceScopes[0]"),
                Map.entry("provisioning: {templates: {x: null}}\n", "provisioning.templates.x"),
                Map.entry("provisioning: {templates: {default: {region: [null]}}}\n", "provisioning.templates.default.region[0]"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path f = dir.resolve("n.yaml");
            Files.writeString(f, c.getKey());
            assertThatThrownBy(() -> loader.load(f, Map.of())).as(c.getKey()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(c.getValue())
                    .hasMessageNotContaining("NullPointerException").hasMessageNotContaining("BrokerConfig");
        }
    }
}
