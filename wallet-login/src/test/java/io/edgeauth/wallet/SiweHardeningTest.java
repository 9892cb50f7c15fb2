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

    /**
     * A login with a nonce this service never issued used to reach the node (eth_getCode, eth_call, or an
     * eth_simulateV1 of attacker-chosen calldata) before the nonce was looked at: an unauthenticated caller could
     * spend the operator's RPC quota at will. The nonce is now looked at first (and still consumed last).
     */
    @Test
    void unissuedNonceNeverReachesTheNode() throws Exception {
        SiweMessage m = message("NeverIssued123456").build();
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.NONCE_UNKNOWN));
        // an ERC-6492 wrapper with attacker-chosen factory calldata
        byte[] wrapped = Erc6492Wrapper.wrap("0x" + "22".repeat(20), new byte[64], new byte[65]);
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), TestSupport.hex(wrapped)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.NONCE_UNKNOWN));
        assertThat(node.methods).isEmpty();
    }

    /** A used nonce is refused as used, before any RPC, and a failed login still leaves a live nonce usable. */
    @Test
    void usedNonceIsRefusedBeforeTheNode() throws Exception {
        byte[] sig = new byte[65];
        Arrays.fill(sig, (byte) 9);
        String nonce = nonces.issue(Duration.ofMinutes(5));
        SiweMessage m = message(nonce).build();
        node.accept(Eip191.personalMessageHash(m.toMessageString()), sig);
        verifier.verify(m.toMessageString(), TestSupport.hex(sig));
        node.methods.clear();
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), TestSupport.hex(sig)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.NONCE_REUSED));
        assertThat(node.methods).isEmpty();
    }

    /**
     * The nonce (alphanumeric, no upper bound in EIP-4361) and the timestamps (any number of fraction digits) are
     * the message's own text: a refusal that names them must cut them as every other quoted field is cut, since the
     * reason goes to the audit line and the HTTP answer.
     */
    @Test
    void refusalsCutTheMessagesOwnText() throws Exception {
        String longNonce = "A".repeat(6000);
        SiweMessage m = message(longNonce).build();
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.getMessage()).hasSizeLessThan(400));
        String frac = "2026-11-24T11:00:00." + "1".repeat(6000) + "Z";
        SiweMessage expired = message(nonces.issue(Duration.ofMinutes(5))).expirationTime(frac).build();
        assertThatThrownBy(() -> verifier.verify(expired.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.EXPIRED);
                    assertThat(e.getMessage()).hasSizeLessThan(400);
                });
        String future = "2026-11-24T13:00:00." + "1".repeat(6000) + "Z";
        SiweMessage early = message(nonces.issue(Duration.ofMinutes(5))).issuedAt(future).build();
        assertThatThrownBy(() -> verifier.verify(early.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.ISSUED_AT_OUT_OF_RANGE);
                    assertThat(e.getMessage()).hasSizeLessThan(400);
                });
        SiweMessage notYet = message(nonces.issue(Duration.ofMinutes(5))).notBefore(future).build();
        assertThatThrownBy(() -> verifier.verify(notYet.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.NOT_YET_VALID);
                    assertThat(e.getMessage()).hasSizeLessThan(400);
                });
    }

    /**
     * The parsed-message entry point skipped the 4096-byte bound the hex entry point keeps, and forwarded whatever it
     * got to the node (eth_call, eth_simulateV1).
     */
    @Test
    void parsedMessageEntryPointBoundsTheSignatureToo() throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(5))).build();
        assertThatThrownBy(() -> verifier.verify(m, new byte[1 << 20]))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.SIGNATURE_MALFORMED));
        assertThatThrownBy(() -> verifier.verify(m, new byte[0]))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.SIGNATURE_MALFORMED));
        assertThat(node.methods).isEmpty();
    }

    /** abi.encode(address, bytes, bytes) ++ magic, as a wallet SDK builds an ERC-6492 signature. */
    static final class Erc6492Wrapper {
        static byte[] wrap(String factory, byte[] data, byte[] sig) {
            String hex = org.web3j.abi.FunctionEncoder.encodeConstructor(java.util.List.of(
                    new org.web3j.abi.datatypes.Address(factory), new org.web3j.abi.datatypes.DynamicBytes(data),
                    new org.web3j.abi.datatypes.DynamicBytes(sig)));
            byte[] body = org.web3j.utils.Numeric.hexStringToByteArray(hex);
            byte[] out = Arrays.copyOf(body, body.length + 32);
            System.arraycopy(io.edgeauth.wallet.internal.Erc6492.MAGIC, 0, out, body.length, 32);
            return out;
        }
    }
}
