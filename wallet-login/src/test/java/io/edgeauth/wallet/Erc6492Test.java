package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeauth.wallet.internal.Eip191;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ERC-6492 signatures of contract wallets not deployed yet, against the JSON-RPC test double of {@link Eip1271Test}
 * answering {@code eth_simulateV1} like a node: the wrapped factory call runs first in the simulated block, then the
 * wallet's {@code isValidSignature}. Wrappers are ABI-encoded by hand here, apart from the web3j decoder under test.
 */
class Erc6492Test {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final String WALLET = "0xa5b3A53800cD49669F34DE80f2C569c6D4Ca3009";
    private static final String FACTORY = "0x4e59b44847b379578588920ca78fbf26c0b4956c";
    private static final byte[] FACTORY_DATA = HexFormat.of().parseHex("c5265d5d" + "00".repeat(31) + "2a");
    private static final String MAGIC = "6492649264926492649264926492649264926492649264926492649264926492";

    private final Eip1271Test.StubNode node = new Eip1271Test.StubNode();
    private JsonRpcContractWalletVerifier rpc;
    private InMemoryNonceStore nonces;
    private SiweVerifier verifier;
    private SiweConfig config;

    @BeforeEach
    void start() throws IOException {
        node.start();
        rpc = new JsonRpcContractWalletVerifier(1, node.url(), Duration.ofSeconds(5));
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        nonces = new InMemoryNonceStore(clock);
        config = SiweConfig.builder().allowDomain("app.example.com").allowChainId(1).clock(clock).build();
        verifier = new SiweVerifier(config, nonces, SignatureRecoveries.best(), rpc);
        node.factory = FACTORY;
        node.factoryData = "0x" + HexFormat.of().formatHex(FACTORY_DATA);
        node.deploys = WALLET;
    }

    @AfterEach
    void stop() {
        rpc.close();
        node.stop();
    }

    private SiweMessage message() throws SiweException {
        return SiweMessage.builder().domain("app.example.com").address(WALLET).uri("https://app.example.com")
                .chainId(1).nonce(nonces.issue(Duration.ofMinutes(5))).issuedAt(NOW).build();
    }

    /** {@code abi.encode(address, bytes, bytes) ++ magicBytes}, word by word. */
    static byte[] wrap(String factory, byte[] data, byte[] signature) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(word(new BigInteger(factory.substring(2), 16)));
        int dataWords = (data.length + 31) / 32;
        out.writeBytes(word(BigInteger.valueOf(96)));
        out.writeBytes(word(BigInteger.valueOf(96 + 32 + 32L * dataWords)));
        out.writeBytes(word(BigInteger.valueOf(data.length)));
        out.writeBytes(Arrays.copyOf(data, 32 * dataWords));
        out.writeBytes(word(BigInteger.valueOf(signature.length)));
        out.writeBytes(Arrays.copyOf(signature, 32 * ((signature.length + 31) / 32)));
        out.writeBytes(HexFormat.of().parseHex(MAGIC));
        return out.toByteArray();
    }

    private static byte[] word(BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] w = new byte[32];
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, w, 32 - n, n);
        return w;
    }

    private static byte[] inner() {
        byte[] sig = new byte[97];
        Arrays.fill(sig, (byte) 9);
        return sig;
    }

    @Test
    void aWalletNotDeployedYetIsAcceptedOnceItsDeploymentIsSimulated() throws Exception {
        SiweMessage m = message();
        node.accept(Eip191.personalMessageHash(m.toMessageString()), inner());
        VerifiedLogin login = verifier.verify(m.toMessageString(), TestSupport.hex(wrap(FACTORY, FACTORY_DATA, inner())));
        assertThat(login.contractWallet()).isTrue();
        assertThat(login.address()).isEqualTo(WALLET);
        assertThat(node.methods).containsExactly("eth_getCode", "eth_simulateV1");
        JsonNode calls = node.lastCall.get("params").get(0).get("blockStateCalls").get(0).get("calls");
        assertThat(calls.get(0).get("to").asText()).isEqualToIgnoringCase(FACTORY);
        assertThat(calls.get(0).get("data").asText()).isEqualTo(node.factoryData);
        assertThat(calls.get(1).get("to").asText()).isEqualToIgnoringCase(WALLET);
        assertThat(calls.get(1).get("data").asText()).startsWith("0x1626ba7e");
        assertThat(node.lastCall.get("params").get(1).asText()).isEqualTo("latest");
    }

    @Test
    void aDeployedWalletIsAskedWithTheUnwrappedSignatureFirst() throws Exception {
        SiweMessage m = message();
        node.code.put(WALLET.toLowerCase(Locale.ROOT), "0x6080604052");
        node.accept(Eip191.personalMessageHash(m.toMessageString()), inner());
        assertThat(verifier.verify(m.toMessageString(), TestSupport.hex(wrap(FACTORY, FACTORY_DATA, inner())))
                .contractWallet()).isTrue();
        assertThat(node.methods).containsExactly("eth_getCode", "eth_call");
    }

    @Test
    void aDeployedWalletThatNeedsItsPrepareCallGetsItSimulated() throws Exception {
        SiweMessage m = message();
        node.code.put(WALLET.toLowerCase(Locale.ROOT), "0x6080604052");
        node.onlyAfterPrepare = true;
        node.accept(Eip191.personalMessageHash(m.toMessageString()), inner());
        assertThat(verifier.verify(m.toMessageString(), TestSupport.hex(wrap(FACTORY, FACTORY_DATA, inner())))
                .contractWallet()).isTrue();
        assertThat(node.methods).containsExactly("eth_getCode", "eth_call", "eth_simulateV1");
    }

    @Test
    void aDeploymentThatFailsOrASignatureTheWalletRefusesIsRejected() throws Exception {
        SiweMessage m = message();
        node.accept(Eip191.personalMessageHash(m.toMessageString()), inner());
        byte[] otherData = FACTORY_DATA.clone();
        otherData[otherData.length - 1] = 0x2b; // another salt: deploys another address, not this wallet
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), TestSupport.hex(wrap(FACTORY, otherData, inner()))))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED));
        SiweMessage m2 = message();
        byte[] forged = inner();
        forged[0] = 1;
        assertThatThrownBy(() -> verifier.verify(m2.toMessageString(), TestSupport.hex(wrap(FACTORY, FACTORY_DATA, forged))))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED));
    }

    @Test
    void aNodeThatCannotSimulateIsUnavailableNotARejection() throws Exception {
        node.mode = "nosimulate";
        SiweMessage m = message();
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), TestSupport.hex(wrap(FACTORY, FACTORY_DATA, inner()))))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.RPC_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("eth_simulateV1");
                });
    }

    @Test
    void withoutAnEndpointAWrappedSignatureIsRefusedAndNeverTriedAsEcdsa() throws Exception {
        SiweVerifier eoaOnly = new SiweVerifier(config, nonces, SignatureRecoveries.best(), null);
        SiweMessage m = message();
        assertThatThrownBy(() -> eoaOnly.verify(m.toMessageString(), TestSupport.hex(wrap(FACTORY, FACTORY_DATA, inner()))))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED);
                    assertThat(e.getMessage()).contains("ERC-6492");
                });
    }

    @Test
    void hostileWrappersAreMalformedAndNeverReachTheNode() throws Exception {
        byte[] good = wrap(FACTORY, FACTORY_DATA, inner());
        byte[] hugeLength = good.clone();
        hugeLength[32 * 3 + 3] = 0x7f; // the factory data's length: far past the end
        byte[] offsetOut = good.clone();
        offsetOut[32 + 30] = 0x7f; // the first offset: past the end
        byte[] ragged = Arrays.copyOfRange(good, 5, good.length);
        byte[] onlyMagic = HexFormat.of().parseHex("00" + MAGIC);
        for (byte[] hostile : new byte[][] {hugeLength, offsetOut, ragged, onlyMagic}) {
            SiweMessage m = message();
            assertThatThrownBy(() -> verifier.verify(m.toMessageString(), TestSupport.hex(hostile)))
                    .isInstanceOfSatisfying(SiweException.class,
                            e -> assertThat(e.code()).isEqualTo(SiweErrorCode.SIGNATURE_MALFORMED));
        }
        assertThat(node.methods).isEmpty();
    }
}
