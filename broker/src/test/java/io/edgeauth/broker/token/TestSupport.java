package io.edgeauth.broker.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Shared helpers for the token, keys and crypto tests. */
public final class TestSupport {
    public static final ObjectMapper JSON = new ObjectMapper();

    private TestSupport() {
    }

    /**
     * The repository's {@code testdata/} folder: the {@code testdata.dir} property that surefire sets
     * (inside the checkout), else {@code ../testdata} from the module directory. Never outside the repository.
     */
    public static Path testdataDir() {
        String prop = System.getProperty("testdata.dir");
        Path dir = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("..", "testdata");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("test vectors not found in " + dir.toAbsolutePath().normalize()
                    + " (the repository's testdata/ folder)");
        }
        return dir;
    }

    public static Path vectors(String relative) {
        return testdataDir().resolve(relative);
    }

    public static JsonNode readJson(Path p) throws IOException {
        return JSON.readTree(Files.readString(p, StandardCharsets.UTF_8));
    }

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.toLowerCase());
    }

    public static String b64u(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static String b64u(String s) {
        return b64u(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Both signature paths, for parameterised tests: JDK always, ACCP where it loads. */
    public static Stream<CryptoProviders> providers() {
        return CryptoProviders.accpAvailable()
                ? Stream.of(CryptoProviders.jdk(), CryptoProviders.accp())
                : Stream.of(CryptoProviders.jdk());
    }

    /** Builds and signs a compact JWS from any header and claims (hostile tokens included). */
    public static byte[] jws(Map<String, Object> header, Map<String, Object> claims, TokenAlgorithm alg, Key key,
                             Signatures sig) throws Exception {
        String input = b64u(JSON.writeValueAsString(header)) + "." + b64u(JSON.writeValueAsString(claims));
        byte[] signature = sig.sign(alg, key, input.getBytes(StandardCharsets.US_ASCII));
        return (input + "." + b64u(signature)).getBytes(StandardCharsets.US_ASCII);
    }
}
