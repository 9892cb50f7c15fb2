package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.wallet.internal.Eip191;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tour I of the wallet sign-in: a contract's answer must be an ABI-encoded magic value (not anything that starts
 * with it), no JSON-RPC call is made for a nonce that cannot be consumed, and a refusal quotes at most
 * {@code Fields.QUOTE_LIMIT} characters of the message's own text.
 */
class SiweHardeningTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final String CONTRACT = "0xa5b3A53800cD49669F34DE80f2C569c6D4Ca3009";

    private final Eip1271Test.StubNode node = new Eip1271Test.StubNode();
    private JsonRpcContractWalletVerifier rpc;
    private InMemoryNonceStore nonces;
    private SiweVerifier verifier;

    @BeforeEach
    void start() throws IOException {
        node.start();
        rpc = new JsonRpcContractWalletVerifier(1, node.url(), Duration.ofSeconds(5));
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        nonces = new InMemoryNonceStore(clock);
        SiweConfig config = SiweConfig.builder().allowDomain("app.example.com").allowChainId(1).clock(clock).build();
        verifier = new SiweVerifier(config, nonces, SignatureRecoveries.best(), rpc);
        node.code.put(CONTRACT.toLowerCase(Locale.ROOT), "0x6080604052");
    }

    @AfterEach
    void stop() {
        rpc.close();
        node.stop();
    }

    private SiweMessage.Builder message(String nonce) throws SiweException {
        return SiweMessage.builder().domain("app.example.com").address(CONTRACT).uri("https://app.example.com")
                .chainId(1).nonce(nonce).issuedAt(NOW);
    }

    /**
     * A contract whose fallback echoes its calldata "returns" 0x1626ba7e followed by the hash: OpenZeppelin's
     * SignatureChecker and Solidity's ABI decoder (the ERC-6492 reference validator) refuse that answer, so must we.
     */
    @Test
    void echoingContractDoesNotAcceptEverySignature() throws Exception {
        node.mode = "echo";
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(5))).build();
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED));
    }

    /** The padded word and the bare four bytes both still count as yes. */
    @Test
    void paddedAndBareMagicValuesAreAccepted() throws Exception {
        byte[] sig = new byte[65];
        Arrays.fill(sig, (byte) 9);
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(5))).build();
        node.accept(Eip191.personalMessageHash(m.toMessageString()), sig);
        assertThat(verifier.verify(m.toMessageString(), TestSupport.hex(sig)).contractWallet()).isTrue();
        node.mode = "short";
        SiweMessage m2 = message(nonces.issue(Duration.ofMinutes(5))).build();
        assertThat(verifier.verify(m2.toMessageString(), TestSupport.hex(sig)).contractWallet()).isTrue();
    }

}
