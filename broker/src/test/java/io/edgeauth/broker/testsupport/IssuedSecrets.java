package io.edgeauth.broker.testsupport;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The secrets the tests obtain or hand to the broker (admin credentials, issued access and refresh tokens,
 * PSKs), appended one per line to {@code target/test-secrets/secrets-<pid>.txt} so that
 * {@code SecretsInLogsTest} can look for each of them, verbatim, in every log line written during the suite
 * (patterns alone cannot recognise an opaque refresh token or a PSK). Thread-safe.
 */
public final class IssuedSecrets {
    /** Where every JVM of the suite records (relative to the module, the tests' working directory). */
    public static final Path DIR = Path.of("target", "test-secrets");
    /** Shorter values are not secrets worth matching (and would match by chance). */
    static final int MIN_LENGTH = 16;
    private static final List<String> TOKEN_FIELDS = List.of("access_token", "refresh_token", "id_token", "admin",
            "credential", "client_secret");

    private IssuedSecrets() {
    }

    /** Records one secret (ignored when shorter than 16 characters). */
    public static synchronized void record(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH || secret.indexOf('\n') >= 0) {
            return;
        }
        try {
            Files.createDirectories(DIR);
            Files.writeString(DIR.resolve("secrets-" + ProcessHandle.current().pid() + ".txt"), secret + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records key material in the encodings a log line could carry it: hex, base64, base64url. */
    public static void recordKey(byte[] key) {
        record(HexFormat.of().formatHex(key));
        record(Base64.getEncoder().encodeToString(key));
        record(Base64.getUrlEncoder().withoutPadding().encodeToString(key));
    }

    /** Records the tokens of an OAuth-style JSON answer ({@code access_token}, {@code refresh_token}, ...). */
    public static void recordFromJson(String body) {
        if (body == null || !body.startsWith("{")) {
            return;
        }
        try {
            JsonObject json = new JsonObject(body);
            for (String field : TOKEN_FIELDS) {
                if (json.getValue(field) instanceof String s) {
                    record(s);
                }
            }
        } catch (RuntimeException notJson) {
            // not an answer with tokens
        }
    }
}
