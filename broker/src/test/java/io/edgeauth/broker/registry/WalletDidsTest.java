package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Tour I (I4): a wallet signed in on a chain whose id has more than six digits (Sepolia 11155111, OP Sepolia
 * 11155420, Zora 7777777, Aurora 1313161554) got a token whose {@code sub} the pipeline did not read as a wallet DID
 * (the 64-character cap left six digits for the chain), so every use of it was refused as an unregistered device.
 */
class WalletDidsTest {
    private static final String ADDRESS = "0xa5b3A53800cD49669F34DE80f2C569c6D4Ca3009";

    @Test
    void everyChainIdOfTheGrammarMakesAWalletDid() {
        assertThat(WalletDids.isWalletDid("did:pkh:eip155:1:" + ADDRESS)).isTrue();
        assertThat(WalletDids.isWalletDid("did:pkh:eip155:11155111:" + ADDRESS)).isTrue();
        assertThat(WalletDids.isWalletDid("did:pkh:eip155:1313161554:" + ADDRESS)).isTrue();
        assertThat(WalletDids.isWalletDid("did:pkh:eip155:999999999999:" + ADDRESS)).isTrue();
        assertThat(WalletDids.isOwnClientId("did:pkh:eip155:11155111:" + ADDRESS,
                "did:pkh:eip155:11155111:" + ADDRESS + "#tab-1")).isTrue();
    }

    @Test
    void outsideTheGrammarIsNoWalletDid() {
        assertThat(WalletDids.isWalletDid("did:pkh:eip155:1000000000000:" + ADDRESS)).isFalse();
        assertThat(WalletDids.isWalletDid("did:pkh:eip155::" + ADDRESS)).isFalse();
        assertThat(WalletDids.isWalletDid("did:pkh:eip155:1:" + ADDRESS + "0")).isFalse();
        assertThat(WalletDids.isWalletDid(null)).isFalse();
        assertThat(WalletDids.isWalletDid("did:pkh:eip155:1:" + ADDRESS + "x".repeat(10_000))).isFalse();
    }
}
