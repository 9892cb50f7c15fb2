package io.edgeauth.wallet;

import io.edgeauth.wallet.internal.Fields;
import io.edgeauth.wallet.internal.Hex;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Bytes4;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthGetCode;
import org.web3j.protocol.http.HttpService;

/**
 * {@link ContractWalletVerifier} over an Ethereum JSON-RPC endpoint with web3j: {@code eth_getCode}
 * to see whether the address is a contract, then {@code eth_call} of EIP-1271
 * {@code isValidSignature(bytes32,bytes)} at the latest block. ERC-6492 signatures of wallets not deployed yet are
 * checked with {@code eth_simulateV1} (the execution-apis method geth, Nethermind, Reth and Besu serve): one simulated
 * block calls the wallet's factory, then {@code isValidSignature} on the wallet, so the deployment is seen by the
 * check and nothing reaches the chain.
 *
 * <p>Every request is bounded by the configured timeout (connect, read, write and the whole call),
 * so a slow node delays a login by at most that much and then fails with
 * {@link SiweErrorCode#RPC_UNAVAILABLE}. Thread-safe (web3j and OkHttp clients are). Calls block: run
 * them off an event loop. {@link #close()} releases the HTTP connection pool.
 */
public final class JsonRpcContractWalletVerifier implements ContractWalletVerifier, AutoCloseable {
    /** {@code bytes4(keccak256("isValidSignature(bytes32,bytes)"))}, returned by a contract that accepts. */
    public static final String MAGIC_VALUE = "0x1626ba7e";
    /** The longest JSON-RPC answer read: an eth_call's or eth_simulateV1's answer is far smaller. */
    static final long MAX_ANSWER_BYTES = 1 << 20;

    private final long chainId;
    private final String endpoint;
    private final OkHttpClient http;
    private final HttpService service;
    private final Web3j web3j;

    /**
     * @param chainId the chain the node serves (use {@link ContractWalletVerifier#byChain} for several)
     * @param endpoint JSON-RPC URL of an Ethereum node of that chain
     * @param timeout upper bound for each RPC call
     * @throws IllegalArgumentException when no endpoint is configured (EIP-1271 needs a node to ask)
     */
    public JsonRpcContractWalletVerifier(long chainId, String endpoint, Duration timeout) {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("EIP-1271 contract wallet checks need a JSON-RPC endpoint, none configured");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.chainId = chainId;
        this.endpoint = endpoint;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(timeout).readTimeout(timeout).writeTimeout(timeout).callTimeout(timeout)
                .retryOnConnectionFailure(false)
                .addInterceptor(JsonRpcContractWalletVerifier::bounded)
                .build();
        this.service = new HttpService(endpoint, http);
        this.web3j = Web3j.build(service);
    }

    /**
     * The node's answer held to {@link #MAX_ANSWER_BYTES}: web3j reads it whole into memory, so a node that answered
     * without end (compromised, or a wrong endpoint) could exhaust the broker's heap within the timeout (tour I, I13).
     * A longer answer fails the call, which reads as an unavailable node.
     */
    private static okhttp3.Response bounded(Interceptor.Chain chain) throws IOException {
        okhttp3.Response response = chain.proceed(chain.request());
        ResponseBody body = response.body();
        if (body == null) {
            return response;
        }
        if (body.contentLength() > MAX_ANSWER_BYTES) {
            response.close();
            throw new IOException("answer of " + body.contentLength() + " bytes, more than " + MAX_ANSWER_BYTES);
        }
        BufferedSource limited = Okio.buffer(new ForwardingSource(body.source()) {
            private long read;

            @Override
            public long read(Buffer sink, long byteCount) throws IOException {
                long n = super.read(sink, byteCount);
                if (n > 0 && (read += n) > MAX_ANSWER_BYTES) {
                    throw new IOException("answer longer than " + MAX_ANSWER_BYTES + " bytes");
                }
                return n;
            }
        });
        return response.newBuilder().body(ResponseBody.create(limited, body.contentType(), body.contentLength())).build();
    }

    @Override
    public boolean supportsChain(long chainId) {
        return chainId == this.chainId;
    }

    private void checkChain(long chainId) throws SiweException {
        if (chainId != this.chainId) {
            throw new SiweException(SiweErrorCode.RPC_UNAVAILABLE, "no EIP-1271 JSON-RPC endpoint configured for chain ID "
                    + chainId + " (this one serves chain ID " + this.chainId + ")");
        }
    }

    @Override
    public boolean hasCode(long chainId, String address) throws SiweException {
        checkChain(chainId);
        EthGetCode r = send(() -> web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send(), "eth_getCode");
        if (r.hasError()) {
            throw rpcError("eth_getCode", r.getError().getMessage());
        }
        String code = r.getCode();
        if (code == null) {
            throw rpcError("eth_getCode", "no result");
        }
        return !(code.equals("0x") || code.equals("0x0") || code.isEmpty());
    }

    @Override
    public boolean isValidSignature(long chainId, String address, byte[] hash, byte[] signature)
            throws SiweException {
        checkChain(chainId);
        Function f = new Function("isValidSignature",
                List.of(new Bytes32(hash), new DynamicBytes(signature)),
                List.of(new TypeReference<Bytes4>() { }));
        String data = FunctionEncoder.encode(f);
        EthCall r = send(() -> web3j.ethCall(
                Transaction.createEthCallTransaction(null, address, data), DefaultBlockParameterName.LATEST).send(),
                "eth_call");
        if (r.hasError()) {
            // A revert (e.g. a contract without isValidSignature) means "not accepted", not "node down".
            if (r.isReverted()) {
                return false;
            }
            throw rpcError("eth_call", r.getError().getMessage());
        }
        byte[] out = r.getValue() == null ? null : Hex.decode(r.getValue());
        if (out == null) {
            throw rpcError("eth_call", "result is not hex");
        }
        return isMagic(out);
    }

    /**
     * True for the ABI encoding of {@code bytes4(0x1626ba7e)}: the value left-aligned in a 32-byte word whose other 28
     * bytes are zero (anything after the word is ignored, as OpenZeppelin's SignatureChecker does), or the bare four
     * bytes some wallets return. Not "starts with the magic value": the magic value is also the selector of
     * {@code isValidSignature}, so a contract whose fallback echoes its calldata would accept every signature.
     */
    static boolean isMagic(byte[] out) {
        byte[] magic = Hex.decode(MAGIC_VALUE);
        if (out.length == 4) {
            return Arrays.equals(out, magic);
        }
        if (out.length < 32 || !Arrays.equals(out, 0, 4, magic, 0, 4)) {
            return false;
        }
        for (int i = 4; i < 32; i++) {
            if (out[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean isValidSignatureAfter(long chainId, String address, String prepareTo, byte[] prepareData,
                                         byte[] hash, byte[] signature) throws SiweException {
        checkChain(chainId);
        String check = FunctionEncoder.encode(new Function("isValidSignature",
                List.of(new Bytes32(hash), new DynamicBytes(signature)), List.of(new TypeReference<Bytes4>() { })));
        Map<String, Object> simulation = Map.of("validation", false, "blockStateCalls", List.of(Map.of("calls", List.of(
                Map.of("to", prepareTo, "data", "0x" + Hex.encode(prepareData)),
                Map.of("to", address, "data", check)))));
        SimulateResponse r = send(() -> new Request<>("eth_simulateV1", List.of(simulation, "latest"), service,
                SimulateResponse.class).send(), "eth_simulateV1");
        if (r.hasError()) {
            if (r.getError().getCode() == -32601) {
                throw rpcError("eth_simulateV1", "the node cannot simulate (method not found), which ERC-6492 needs");
            }
            throw rpcError("eth_simulateV1", r.getError().getMessage());
        }
        JsonNode calls = r.getResult() == null ? null : r.getResult().path(0).path("calls");
        if (calls == null || !calls.isArray() || calls.size() != 2) {
            throw rpcError("eth_simulateV1", "result is not one block of two calls");
        }
        if (!"0x1".equals(calls.get(0).path("status").asText())) {
            return false; // the deployment failed: there is no wallet to accept anything
        }
        byte[] out = Hex.decode(calls.get(1).path("returnData").asText("0x"));
        return "0x1".equals(calls.get(1).path("status").asText()) && out != null && isMagic(out);
    }

    /** The {@code eth_simulateV1} answer: an array of simulated blocks, each with its calls' status and return data. */
    public static final class SimulateResponse extends Response<JsonNode> {
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T send(Call<T> call, String method) throws SiweException {
        try {
            T result = call.run();
            if (result == null) {
                throw rpcError(method, "no response");
            }
            return result;
        } catch (IOException | RuntimeException e) {
            // Timeouts surface as InterruptedIOException, bad JSON as RuntimeException from Jackson.
            throw new SiweException(SiweErrorCode.RPC_UNAVAILABLE,
                    "contract wallet check failed: " + method + " to the JSON-RPC endpoint failed (" + e.getClass().getSimpleName()
                            + ")", e);
        }
    }

    private SiweException rpcError(String method, String detail) {
        return new SiweException(SiweErrorCode.RPC_UNAVAILABLE,
                "contract wallet check failed: " + method + " returned an error: " + Fields.quote(String.valueOf(detail)));
    }

    /** @return the chain id this endpoint serves */
    public long chainId() {
        return chainId;
    }

    /** @return the configured endpoint */
    public String endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        // Not web3j.shutdown(): it would stop web3j's process-wide default scheduler used by others.
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
