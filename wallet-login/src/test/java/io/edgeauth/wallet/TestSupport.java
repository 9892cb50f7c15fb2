package io.edgeauth.wallet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/** Shared helpers: vector files, keys and signing with web3j. */
final class TestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger N = Sign.CURVE_PARAMS.getN();

    private TestSupport() {
    }

    /**
     * The repository's {@code testdata/} folder: the {@code testdata.dir} property that surefire sets
     * (inside the checkout), else {@code ../testdata} from the module directory. Never outside the repository.
     */
    static Path testdataDir() {
        String p = System.getProperty("testdata.dir");
        Path dir = p != null && !p.isBlank() ? Paths.get(p) : Paths.get("..", "testdata");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("test vectors not found in " + dir.toAbsolutePath().normalize()
                    + " (the repository's testdata/ folder)");
        }
        return dir;
    }

    static Path siweDir() {
        return testdataDir().resolve("siwe");
    }

    static JsonNode vectors(String name) {
        try {
            return JSON.readTree(siweDir().resolve("spruceid-siwe/test/" + name + ".json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ECKeyPair key(long seed) {
        return ECKeyPair.create(BigInteger.valueOf(seed).multiply(BigInteger.valueOf(0x9E3779B97F4A7C15L & Long.MAX_VALUE))
                .add(BigInteger.valueOf(12345)));
    }

    static String address(ECKeyPair k) {
        return Keys.toChecksumAddress(Keys.getAddress(k));
    }

    /** personal_sign with web3j: 65 bytes r || s || v (v = 27/28). */
    static byte[] sign(String message, ECKeyPair k) {
        Sign.SignatureData sd = Sign.signPrefixedMessage(message.getBytes(StandardCharsets.UTF_8), k);
        byte[] out = new byte[65];
        System.arraycopy(sd.getR(), 0, out, 0, 32);
        System.arraycopy(sd.getS(), 0, out, 32, 32);
        out[64] = sd.getV()[0];
        return out;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder("0x");
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    /** The same signature with s replaced by n - s (and v flipped): valid ECDSA, but high-s. */
    static byte[] highS(byte[] sig) {
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        byte[] hs = org.web3j.utils.Numeric.toBytesPadded(N.subtract(s), 32);
        byte[] out = sig.clone();
        System.arraycopy(hs, 0, out, 32, 32);
        out[64] = (byte) (sig[64] == 27 ? 28 : 27);
        return out;
    }

    /** Builds a message from a spruceid fields object (absent keys become null). */
    static SiweMessage.Builder fromFields(JsonNode f) {
        SiweMessage.Builder b = SiweMessage.builder()
                .scheme(text(f, "scheme"))
                .domain(text(f, "domain"))
                .address(text(f, "address"))
                .statement(text(f, "statement"))
                .uri(text(f, "uri"))
                .version(text(f, "version"))
                .chainId(text(f, "chainId"))
                .nonce(text(f, "nonce"))
                .issuedAt(text(f, "issuedAt"))
                .expirationTime(text(f, "expirationTime"))
                .notBefore(text(f, "notBefore"))
                .requestId(text(f, "requestId"));
        if (f.has("resources")) {
            for (JsonNode r : f.get("resources")) {
                b.addResource(r.asText());
            }
        }
        return b;
    }

    static String text(JsonNode f, String key) {
        JsonNode n = f.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }
}
