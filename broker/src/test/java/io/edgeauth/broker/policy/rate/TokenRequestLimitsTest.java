package io.edgeauth.broker.policy.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import org.junit.jupiter.api.Test;

/**
 * The per-identity budgets of {@link TokenRequestLimits}: a device, a service client (per tenant) and a wallet (per
 * address, whatever the chain id of its subject) each have their own; the client bound off takes nothing.
 */
class TokenRequestLimitsTest {
    private static final String WALLET = "did:pkh:eip155:1:0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B";

    private final TokenRequestLimits limits = new TokenRequestLimits(new TokenRequestLimits.Settings(2, 1, 2, 1, 0), 100);

    @Test
    void aServiceHasABudgetPerTenantApartFromADeviceOfItsId() throws Exception {
        limits.takeServiceIssuance("acme", "svc");
        limits.takeServiceIssuance("acme", "svc");
        TokenRejectedException over = catchThrowableOfType(() -> limits.takeServiceIssuance("acme", "svc"),
                TokenRejectedException.class);
        assertThat(over.reason()).isEqualTo(RejectionReason.RATE_LIMITED);
        assertThat(over.getMessage()).contains("service client");
        assertThat(over.retryAfterSeconds()).as("one token a minute").isBetween(30L, 60L);
        assertThatCode(() -> limits.takeServiceIssuance("other", "svc")).doesNotThrowAnyException();
        assertThatCode(() -> limits.takeIssuance("acme", "svc")).as("a device's budget is its own")
                .doesNotThrowAnyException();
    }

    @Test
    void aWalletHasOneBudgetWhateverTheChainOrCaseItsSubjectNames() throws Exception {
        limits.takeWalletIssuance(WALLET);
        limits.takeWalletIssuance("did:pkh:eip155:137:" + WALLET.substring(WALLET.lastIndexOf(':') + 1).toLowerCase());
        TokenRejectedException over = catchThrowableOfType(() -> limits.takeWalletIssuance(WALLET),
                TokenRejectedException.class);
        assertThat(over.reason()).isEqualTo(RejectionReason.RATE_LIMITED);
        assertThat(over.retryAfterSeconds()).isBetween(30L, 60L);
        assertThatCode(() -> limits.takeWalletIssuance("did:pkh:eip155:1:0x0000000000000000000000000000000000000001"))
                .doesNotThrowAnyException();
        assertThatCode(() -> limits.takeServiceIssuance("default", WALLET)).as("services apart from wallets")
                .doesNotThrowAnyException();
    }

    @Test
    void theClientBoundOffTakesNothing() {
        TokenRequestLimits off = new TokenRequestLimits(new TokenRequestLimits.Settings(1, 1, 1, 0, 0), 100);
        assertThat(off.boundsClients()).isFalse();
        assertThat(limits.boundsClients()).isTrue();
        assertThatCode(() -> {
            for (int i = 0; i < 1000; i++) {
                off.takeServiceIssuance("acme", "svc");
                off.takeWalletIssuance(WALLET);
            }
        }).doesNotThrowAnyException();
        assertThat(TokenRequestLimits.NONE.boundsClients()).isFalse();
    }
}
