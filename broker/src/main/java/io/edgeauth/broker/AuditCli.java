package io.edgeauth.broker;

import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.audit.ChainVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code audit verify FILE...}: proves an audit log's hash chain unbroken or names its first break (offline). */
@Command(name = "audit", description = "Tamper-evident audit log.", subcommands = AuditCli.Verify.class)
final class AuditCli {
    private static final int MAX_JWKS_BYTES = 1 << 20;
    /** Exit code of an input without a single audit line. */
    static final int EMPTY_INPUT = 4;

    @Command(name = "verify", description = "Verify an audit log's hash chain (and its signed checkpoints with --jwks)."
            + " Rotated files may be given in any order. Exit codes: 0 unbroken (with --jwks: every checkpoint"
            + " verified), 1 broken (the first altered, missing or reordered line, or a forged checkpoint, is named),"
            + " 2 unreadable input or JWKS, 3 unbroken but some checkpoint signed by a key the JWKS lacks, or (with"
            + " --jwks) a node's chain, or its chain since a restart, sealed by no checkpoint the JWKS verifies,"
            + " 4 no audit line in the input (nothing verified).")
    static final class Verify implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "audit file(s): the active one and rotated ones")
        List<Path> files;
        @Option(names = "--jwks", paramLabel = "URL|FILE",
                description = "JWKS (e.g. http://broker:8080/.well-known/jwks.json or a saved copy) to check checkpoints")
        String jwks;

        @Override
        public Integer call() {
            JWKSet keys = null;
            try {
                if (jwks != null) {
                    keys = JWKSet.parse(readJwks(jwks));
                }
            } catch (IOException | java.text.ParseException | IllegalArgumentException e) {
                System.err.println("edgeauth: cannot load the JWKS " + jwks + ": " + e.getMessage());
                return 2;
            }
            ChainVerifier.Report report;
            try {
                report = new ChainVerifier(keys).verify(files);
            } catch (IOException | java.io.UncheckedIOException e) {
                System.err.println("edgeauth: " + e.getMessage());
                return 2;
            }
            report.notes().forEach(System.out::println);
            report.unsealed().forEach(u -> System.out.println("UNSEALED: " + u));
            System.out.println("checkpoints: " + report.verified() + " verified, " + report.unverified()
                    + (jwks == null ? " not checked (no --jwks)" : " signed by a key the JWKS does not hold"));
            if (report.firstBreak() != null) {
                System.out.println("BROKEN (" + report.firstBreak().kind() + "): " + report.firstBreak().message());
            } else if (report.lines() == 0) {
                // a wiped file or a glob that matched only an empty file proves nothing: never a success
                System.out.println("EMPTY: no audit line in " + files.size() + " file(s); nothing verified");
                return EMPTY_INPUT;
            } else {
                System.out.println("OK: " + report.lines() + " line(s), chain unbroken");
            }
            return report.exitCode(jwks != null);
        }

        private static String readJwks(String where) throws IOException {
            if (where.startsWith("http://") || where.startsWith("https://")) {
                HttpResponse<InputStream> r;
                byte[] body;
                try {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(where)).timeout(Duration.ofSeconds(10)).GET().build();
                    r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                            .send(request, HttpResponse.BodyHandlers.ofInputStream());
                    try (InputStream in = r.body()) {
                        body = in.readNBytes(MAX_JWKS_BYTES + 1);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                } catch (IOException | IllegalArgumentException e) {
                    // the JDK's ConnectException has no message: say what failed, as keys rotate does
                    throw new IOException("no answer (" + (e.getMessage() == null ? e.getClass().getSimpleName()
                            : e.getMessage()) + ")", e);
                }
                if (r.statusCode() != 200 || body.length > MAX_JWKS_BYTES) {
                    throw new IOException("HTTP " + r.statusCode() + (body.length > MAX_JWKS_BYTES ? ", over 1 MiB" : ""));
                }
                return new String(body, StandardCharsets.UTF_8);
            }
            Path file = Path.of(where);
            if (Files.size(file) > MAX_JWKS_BYTES) {
                throw new IOException("over 1 MiB");
            }
            return Files.readString(file);
        }
    }
}
