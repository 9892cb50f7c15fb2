package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wallet.rpcEndpoints} (EIP-1271 contract wallets) as the defaults show it: a mapping in the config file. */
class WalletRpcEndpointsConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void chainIdsMapToUrlsInTheFile() throws Exception {
        Path f = dir.resolve("rpc.yaml");
        Files.writeString(f, "wallet:\n  rpcEndpoints:\n    \"1\": https://rpc.example\n    \"137\": https://polygon.example\n");
        assertThat(loader.load(f, Map.of()).wallet().rpcEndpoints())
                .containsExactlyInAnyOrderEntriesOf(Map.of("1", "https://rpc.example", "137", "https://polygon.example"));
        Files.writeString(f, "wallet: {rpcEndpoints: {\"1\": \"https://rpc.example\"}}\n");
        assertThat(loader.load(f, Map.of()).wallet().rpcEndpoints()).containsOnlyKeys("1");
    }

    /** A provider URL often carries its API key in the path: a bad entry is named by its chain id only. */
    @Test
    void aBadEntryIsNamedWithoutItsUrl() {
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_WALLET_RPC_ENDPOINTS",
                "{\"01\": \"https://mainnet.example/v3/MY-PROVIDER-API-KEY\"}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("wallet.rpcEndpoints.01")
                .hasMessageNotContaining("MY-PROVIDER-API-KEY");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_WALLET_RPC_ENDPOINTS",
                "{\"1\": \"ftp://mainnet.example/v3/MY-PROVIDER-API-KEY\"}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("wallet.rpcEndpoints.1")
                .hasMessageNotContaining("MY-PROVIDER-API-KEY");
    }
}
