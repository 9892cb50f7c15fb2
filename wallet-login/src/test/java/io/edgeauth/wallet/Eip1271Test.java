package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.edgeauth.wallet.internal.Eip191;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;

/** EIP-1271 contract wallets against a JSON-RPC stub that answers like a node. */
class Eip1271Test {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final String CONTRACT = "0xa5b3A53800cD49669F34DE80f2C569c6D4Ca3009";

    private final StubNode node = new StubNode();
    private JsonRpcContractWalletVerifier rpc;
    private InMemoryNonceStore nonces;
    private SiweVerifier verifier;

    @BeforeEach
    void start() throws IOException {
        node.start();
        // generous for a loaded CI machine; the slow node below hangs far longer than this
        rpc = new JsonRpcContractWalletVerifier(1, node.url(), Duration.ofSeconds(5));
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        nonces = new InMemoryNonceStore(clock);
        SiweConfig config = SiweConfig.builder().allowDomain("app.example.com").allowChainId(1).clock(clock).build();
        verifier = new SiweVerifier(config, nonces, SignatureRecoveries.best(), rpc);
    }

    @AfterEach
    void stop() {
        rpc.close();
        node.stop();
    }

    private SiweMessage message(String address) throws SiweException {
        return SiweMessage.builder().domain("app.example.com").address(address).uri("https://app.example.com")
                .chainId(1).nonce(nonces.issue(Duration.ofMinutes(5))).issuedAt(NOW).build();
    }

    @Test
    void contractWalletAcceptsItsSignature() throws Exception {
        SiweMessage m = message(CONTRACT);
        byte[] sig = new byte[130]; // e.g. two owners' signatures: any length is the contract's business
        Arrays.fill(sig, (byte) 7);
        node.code.put(CONTRACT.toLowerCase(Locale.ROOT), "0x6080604052");
        node.accept(Eip191.personalMessageHash(m.toMessageString()), sig);
        VerifiedLogin login = verifier.verify(m.toMessageString(), TestSupport.hex(sig));
        assertThat(login.contractWallet()).isTrue();
        assertThat(login.address()).isEqualTo(CONTRACT);
        assertThat(node.methods).containsExactly("eth_getCode", "eth_call");
        JsonNode call = node.lastCall;
        assertThat(call.get("params").get(0).get("to").asText()).isEqualToIgnoringCase(CONTRACT);
        assertThat(call.get("params").get(0).get("data").asText()).startsWith("0x1626ba7e");
        assertThat(call.get("params").get(1).asText()).isEqualTo("latest");
    }

    @Test
    void contractWalletRejects() throws Exception {
        SiweMessage m = message(CONTRACT);
        node.code.put(CONTRACT.toLowerCase(Locale.ROOT), "0x6080604052");
        node.accept(new byte[32], new byte[] {1});
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED));
    }

    @Test
    void revertingContractMeansRejected() throws Exception {
        SiweMessage m = message(CONTRACT);
        node.code.put(CONTRACT.toLowerCase(Locale.ROOT), "0x6080604052");
        node.mode = "revert";
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED));
    }

    @Test
    void plainAccountWithWrongSignatureIsAMismatch() throws Exception {
        ECKeyPair k = TestSupport.key(3);
        SiweMessage m = message(TestSupport.address(k));
        String sig = TestSupport.hex(TestSupport.sign(m.toMessageString(), TestSupport.key(4)));
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), sig))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.SIGNATURE_MISMATCH));
        assertThat(node.methods).containsExactly("eth_getCode");
    }

    @Test
    void plainSignatureNeverCallsTheNode() throws Exception {
        ECKeyPair k = TestSupport.key(5);
        SiweMessage m = message(TestSupport.address(k));
        assertThat(verifier.verify(m.toMessageString(), TestSupport.hex(TestSupport.sign(m.toMessageString(), k)))
                .contractWallet()).isFalse();
        assertThat(node.methods).isEmpty();
    }

    @Test
    void slowNodeTimesOut() throws Exception {
        SiweMessage m = message(CONTRACT);
        node.mode = "slow";
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.RPC_UNAVAILABLE);
                    assertThat(e.category()).isEqualTo(SiweErrorCode.Category.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("eth_getCode");
                });
        // the node hangs 30 s: an answer well before that is the 5 s timeout at work
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void nodeErrorIsUnavailable() throws Exception {
        SiweMessage m = message(CONTRACT);
        node.mode = "error";
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.RPC_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("header not found");
                });
    }

    /** Tour I, I13: web3j reads an answer whole; a node answering megabytes is cut at 1 MiB, as unavailable. */
    @Test
    void anOversizedAnswerIsUnavailable() throws Exception {
        SiweMessage m = message(CONTRACT);
        node.mode = "huge";
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.RPC_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("eth_getCode");
                    assertThat(e.getCause()).hasStackTraceContaining("answer longer than 1048576 bytes");
                });
    }

    @Test
    void unreachableNodeIsUnavailable() throws Exception {
        node.stop();
        SiweMessage m = message(CONTRACT);
        assertThatThrownBy(() -> verifier.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.RPC_UNAVAILABLE));
    }

    @Test
    void noEndpointConfigured() {
        assertThatThrownBy(() -> new JsonRpcContractWalletVerifier(1, null, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EIP-1271").hasMessageContaining("JSON-RPC endpoint");
        assertThatThrownBy(() -> new JsonRpcContractWalletVerifier(1, " ", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void otherChainHasNoEndpoint() throws Exception {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        SiweConfig config = SiweConfig.builder().allowDomain("app.example.com").allowChainId(1).allowChainId(137)
                .clock(clock).build();
        SiweVerifier multi = new SiweVerifier(config, nonces, SignatureRecoveries.best(),
                ContractWalletVerifier.byChain(Map.of(1L, rpc)));
        node.code.put(CONTRACT.toLowerCase(Locale.ROOT), "0x6080604052");
        SiweMessage m = message(CONTRACT).toBuilder().chainId(137).build();
        assertThatThrownBy(() -> multi.verify(m.toMessageString(), "0x" + "11".repeat(65)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    // v = 0x11 is no ECDSA recovery byte; the reason says why the contract was not asked
                    assertThat(e.code()).isEqualTo(SiweErrorCode.SIGNATURE_MALFORMED);
                    assertThat(e.getMessage()).contains("no EIP-1271 JSON-RPC endpoint configured for chain ID 137");
                });
        assertThat(node.methods).isEmpty();
        assertThatThrownBy(() -> rpc.hasCode(137, CONTRACT))
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.code()).isEqualTo(SiweErrorCode.RPC_UNAVAILABLE));
        // chain 1 goes through the dispatcher to the node
        SiweMessage m1 = message(CONTRACT);
        byte[] sig = new byte[65];
        Arrays.fill(sig, (byte) 9);
        node.accept(Eip191.personalMessageHash(m1.toMessageString()), sig);
        assertThat(multi.verify(m1.toMessageString(), TestSupport.hex(sig)).contractWallet()).isTrue();
    }

    /** spruceid's eip1271.json (argent, loopring) replayed against the stub standing in for mainnet. */
    @Test
    void spruceidContractWalletVectors() throws Exception {
        JsonNode all = TestSupport.vectors("eip1271");
        int n = 0;
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) all::fields) {
            String text = e.getValue().get("message").asText();
            byte[] sig = Numeric.hexStringToByteArray(e.getValue().get("signature").asText());
            SiweMessage m = SiweParser.parse(text);
            Clock clock = Clock.fixed(m.issuedAtInstant().plusSeconds(10), ZoneOffset.UTC);
            InMemoryNonceStore store = new InMemoryNonceStore(clock);
            store.register(m.nonce(), Duration.ofMinutes(5));
            SiweConfig config = SiweConfig.builder().allowDomain(m.domain()).schemes("https", "http") // no scheme in the message: EIP-4361 assumes https
                    .allowOrigin("http://localhost:4361").allowChainId(1).clock(clock).build();
            node.code.put(m.address().toLowerCase(Locale.ROOT), "0x6080604052");
            node.accept(Eip191.personalMessageHash(text), sig);
            VerifiedLogin login = new SiweVerifier(config, store, SignatureRecoveries.web3j(), rpc)
                    .verify(text, e.getValue().get("signature").asText());
            assertThat(login.contractWallet()).as(e.getKey()).isTrue();
            assertThat(login.address()).isEqualTo(m.address());
            n++;
        }
        assertThat(n).isEqualTo(2);
    }

    /** Minimal Ethereum JSON-RPC node: eth_getCode from a map, eth_call answering isValidSignature. */
    static final class StubNode {
        final Map<String, String> code = new ConcurrentHashMap<>();
        final List<String> methods = new CopyOnWriteArrayList<>();
        volatile String mode = "normal";
        volatile JsonNode lastCall;
        private volatile byte[] acceptedHash;
        private volatile byte[] acceptedSig;
        private HttpServer server;
        private ExecutorService pool;

        /** ERC-6492: the factory call (to, data) that deploys {@code deploys} inside an eth_simulateV1 block. */
        volatile String factory;
        volatile String factoryData;
        volatile String deploys;
        /** true: isValidSignature says yes only inside a simulation whose first call succeeded (a prepare call). */
        volatile boolean onlyAfterPrepare;

        void accept(byte[] hash, byte[] sig) {
            acceptedHash = hash;
            acceptedSig = sig;
        }

        void start() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            pool = Executors.newCachedThreadPool();
            server.setExecutor(pool);
            server.createContext("/", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        }

        void stop() {
            if (server != null) {
                server.stop(0);
                pool.shutdownNow();
                server = null;
            }
        }

        private void handle(HttpExchange ex) throws IOException {
            JsonNode req = TestSupport.JSON.readTree(ex.getRequestBody().readAllBytes());
            String method = req.get("method").asText();
            methods.add(method);
            ObjectNode res = TestSupport.JSON.createObjectNode().put("jsonrpc", "2.0");
            res.set("id", req.get("id"));
            if ("slow".equals(mode)) {
                try {
                    Thread.sleep(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if ("huge".equals(mode)) { // 2 MiB of answer, chunked (no Content-Length) as a streaming node sends it
                ex.sendResponseHeaders(200, 0);
                try (var out = ex.getResponseBody()) {
                    out.write(("{\"jsonrpc\":\"2.0\",\"id\":" + req.get("id") + ",\"result\":\"0x")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    byte[] zeros = "00".repeat(8192).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    for (int i = 0; i < 128; i++) {
                        out.write(zeros);
                    }
                    out.write("\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } catch (IOException closedByTheClient) {
                    // the verifier stopped reading: what the test wants
                }
                return;
            }
            if ("error".equals(mode)) {
                res.putObject("error").put("code", -32000).put("message", "header not found");
            } else if ("eth_getCode".equals(method)) {
                String addr = req.get("params").get(0).asText().toLowerCase(Locale.ROOT);
                res.put("result", code.getOrDefault(addr, "0x"));
            } else if ("eth_call".equals(method)) {
                lastCall = req;
                if ("revert".equals(mode)) {
                    res.putObject("error").put("code", 3).put("message", "execution reverted").put("data", "0x");
                } else if ("echo".equals(mode)) {
                    // a contract whose fallback returns its calldata: the calldata starts with the selector
                    // 0x1626ba7e, which is also EIP-1271's magic value
                    res.put("result", req.get("params").get(0).get("data").asText());
                } else if ("short".equals(mode)) {
                    res.put("result", "0x1626ba7e"); // the bare bytes4 some wallets return
                } else if (onlyAfterPrepare) {
                    res.put("result", "0xffffffff" + "0".repeat(56));
                } else {
                    res.put("result", answerIsValidSignature(req.get("params").get(0).get("data").asText()));
                }
            } else if ("eth_simulateV1".equals(method) && !"nosimulate".equals(mode)) {
                lastCall = req;
                res.set("result", simulate(req.get("params").get(0).get("blockStateCalls").get(0).get("calls")));
            } else {
                res.putObject("error").put("code", -32601).put("message", "method not found");
            }
            byte[] body = TestSupport.JSON.writeValueAsBytes(res);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }

        /** One block: the first call deploys when it is the registered factory call; the second asks the wallet. */
        private com.fasterxml.jackson.databind.node.ArrayNode simulate(JsonNode calls) {
            boolean deployed = factory != null && factory.equalsIgnoreCase(calls.get(0).get("to").asText())
                    && factoryData.equalsIgnoreCase(calls.get(0).get("data").asText());
            String wallet = calls.get(1).get("to").asText().toLowerCase(Locale.ROOT);
            boolean hasCode = code.containsKey(wallet) || deployed && wallet.equalsIgnoreCase(deploys);
            com.fasterxml.jackson.databind.node.ArrayNode blocks = TestSupport.JSON.createArrayNode();
            com.fasterxml.jackson.databind.node.ArrayNode out = blocks.addObject().put("number", "0x1").putArray("calls");
            out.addObject().put("status", deployed ? "0x1" : "0x0").put("returnData", "0x");
            out.addObject().put("status", "0x1").put("returnData", hasCode
                    ? answerIsValidSignature(calls.get(1).get("data").asText()) : "0x");
            return blocks;
        }

        /** ABI: selector, bytes32 hash, offset, length, signature bytes (padded). */
        private String answerIsValidSignature(String data) {
            byte[] d = Numeric.hexStringToByteArray(data);
            byte[] hash = Arrays.copyOfRange(d, 4, 36);
            int len = new java.math.BigInteger(1, Arrays.copyOfRange(d, 68, 100)).intValueExact();
            byte[] sig = Arrays.copyOfRange(d, 100, 100 + len);
            boolean ok = Arrays.equals(d, 0, 4, new byte[] {0x16, 0x26, (byte) 0xba, 0x7e}, 0, 4)
                    && Arrays.equals(hash, acceptedHash) && Arrays.equals(sig, acceptedSig);
            return (ok ? "0x1626ba7e" : "0xffffffff") + "0".repeat(56);
        }
    }

    static {
        // keep the literal in one place for readers: the stub uses the same magic value as the client
        assertThat(JsonRpcContractWalletVerifier.MAGIC_VALUE.getBytes(StandardCharsets.US_ASCII)).hasSize(10);
    }
}
