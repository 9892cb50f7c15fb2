package io.edgeauth.broker.testsupport;

import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** Test wallets: web3j keys that sign EIP-191 messages and sign in to a test broker with SIWE. */
public final class Wallets {
    private Wallets() {
    }

    public static String address(ECKeyPair key) {
        return Keys.toChecksumAddress(Keys.getAddress(key));
    }

    public static String did(ECKeyPair key) {
        return "did:pkh:eip155:1:" + address(key);
    }

    /** personal_sign: 65 bytes r || s || v (v = 27/28) as 0x hex. */
    public static String personalSign(byte[] message, ECKeyPair key) {
        Sign.SignatureData sig = Sign.signPrefixedMessage(message, key);
        byte[] bytes = new byte[65];
        System.arraycopy(sig.getR(), 0, bytes, 0, 32);
        System.arraycopy(sig.getS(), 0, bytes, 32, 32);
        bytes[64] = sig.getV()[0];
        return Numeric.toHexString(bytes);
    }

    public static String personalSign(String message, ECKeyPair key) {
        return personalSign(message.getBytes(StandardCharsets.UTF_8), key);
    }

    /** Signs in at {@code base} (a broker whose public URL is {@code base}); the /siwe/login answer. */
    public static JsonObject siweLogin(String base, ECKeyPair key) throws Exception {
        var response = siweAttempt(base, key);
        if (response.statusCode() != 200) {
            throw new AssertionError("SIWE login failed: " + response.body());
        }
        return new JsonObject(response.body());
    }

    /** A SIWE login at {@code base} with a fresh nonce, whatever its answer. */
    public static HttpResponse<String> siweAttempt(String base, ECKeyPair key) throws Exception {
        return siweAttempt(base, address(key), key);
    }

    /** A SIWE login naming {@code address}, signed by {@code signer} (another wallet's key: a forgery). */
    public static HttpResponse<String> siweAttempt(String base, String address, ECKeyPair signer)
            throws Exception {
        Http anonymous = new Http(base, null);
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        URI uri = URI.create(base);
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(address).statement("Sign in to edgeauth").uri(base + "/login").version("1").chainId(1)
                .nonce(nonce).issuedAt(Instant.now().toString()).build().toMessageString();
        return anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", personalSign(text, signer)).encode());
    }
}
