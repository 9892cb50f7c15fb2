package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour I (I4): {@code wallet.chainIds} holds what a wallet DID can name ({@code did:pkh:eip155:<1-12 digits>:...},
 * the registry's and the pipeline's grammar); a longer chain id would let wallets sign in and get tokens no route
 * accepts.
 */
class WalletChainIdsConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void sepoliaIsAccepted() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "wallet: {chainIds: [1, 11155111, 999999999999]}\n");
        assertThat(loader.load(f, Map.of()).wallet().chainIds()).containsExactly(1L, 11155111L, 999999999999L);
    }

    @Test
    void aChainIdNoWalletDidCanNameIsRefused() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "wallet: {chainIds: [1, 1000000000000]}\n");
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("wallet.chainIds");
    }
}
