package io.edgeauth.broker.tls;

import io.edgeauth.broker.provisioning.FleetPki;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Writes test TLS material (PKCS#12 key stores, PEM certificates, keys and CRLs) and runs openssl on it. */
public final class TlsTestFiles {
    public static final String PASS = "changeit";
    public static final Path OPENSSL = Path.of("/usr/bin/openssl");

    private TlsTestFiles() {
    }

    /** A server certificate (CN=localhost, serverAuth) issued by {@code ca}. */
    public static FleetPki.Issued server(FleetPki ca) throws Exception {
        return ca.device("localhost", java.time.Instant.now().minusSeconds(3600), java.time.Instant.now().plusSeconds(86_400),
                org.bouncycastle.asn1.x509.KeyUsage.digitalSignature, org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_serverAuth);
    }

    /** A PKCS#12 key store with one key entry: the key and its chain. */
    public static Path pkcs12(Path file, FleetPki.Issued keyAndCert, Certificate... rest) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        List<Certificate> chain = new ArrayList<>(List.of(keyAndCert.cert()));
        chain.addAll(List.of(rest));
        ks.setKeyEntry("key", keyAndCert.keys().getPrivate(), PASS.toCharArray(), chain.toArray(new Certificate[0]));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ks.store(out, PASS.toCharArray());
        }
        // it holds the server's private key: the broker refuses a key store its group or others can read
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        // replaced in one step: a reload never reads a half-written file
        return Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** PEM of certificates, CRLs or keys, concatenated. */
    public static Path pem(Path file, Object... objects) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (Object o : objects) {
            sb.append(FleetPki.pem(o));
        }
        Files.writeString(file, sb.toString(), StandardCharsets.US_ASCII);
        return file;
    }

    /** A private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), the form openssl reads. */
    public static Path keyPem(Path file, java.security.PrivateKey key) throws Exception {
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        return file;
    }

    /** True when openssl is installed; throws when EDGEAUTH_REQUIRE_INTEROP_TOOLS=true and it is not. */
    public static boolean opensslPresent() {
        boolean tool = Files.isExecutable(OPENSSL);
        if (!tool && "true".equals(System.getenv("EDGEAUTH_REQUIRE_INTEROP_TOOLS"))) {
            throw new IllegalStateException("EDGEAUTH_REQUIRE_INTEROP_TOOLS=true but " + OPENSSL + " is missing");
        }
        return tool;
    }

    /** Runs a command in {@code dir} with {@code input} on its standard input; stdout and stderr together. */
    public static String run(Path dir, byte[] input, List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        return out;
    }
}
