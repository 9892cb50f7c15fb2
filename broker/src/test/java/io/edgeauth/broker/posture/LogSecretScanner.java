package io.edgeauth.broker.posture;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks for secrets in log files: anything shaped like a whole signed JWT (an issued token, a client
 * assertion), a PEM private key, a private JWK member {@code "d"}, and every secret the tests recorded
 * ({@link io.edgeauth.broker.testsupport.IssuedSecrets}: admin credentials, refresh tokens, PSKs) verbatim.
 * A finding names the file, line and kind, and shows only a fingerprint of what matched.
 */
final class LogSecretScanner {
    /** Header, claims and a signature: a whole token (a fingerprint or a truncated prefix does not match). */
    static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}");
    static final Pattern PEM_PRIVATE_KEY = Pattern.compile("-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----");
    /** {@code "d":"..."} of a private JWK, also inside an escaped JSON string. */
    static final Pattern JWK_PRIVATE = Pattern.compile("\\\\?\"d\\\\?\"\\s*:\\s*\\\\?\"[A-Za-z0-9_-]{16,}");
    private static final int PREFIX = 16;

    record Finding(Path file, int line, String kind, String fingerprint) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + kind + " (sha256 " + fingerprint + ")";
        }
    }

    /** Recorded secrets by their first 16 characters (a line is checked at word starts only: fast enough). */
    private final Map<String, List<String>> recorded = new HashMap<>();
    private long lines;

    LogSecretScanner(Collection<String> secrets) {
        for (String s : secrets) {
            if (s.length() >= PREFIX) {
                recorded.computeIfAbsent(s.substring(0, PREFIX), k -> new ArrayList<>()).add(s);
            }
        }
    }

    /** Lines read so far. */
    long lines() {
        return lines;
    }

    List<Finding> scan(Path file) throws IOException {
        List<Finding> findings = new ArrayList<>();
        // ISO-8859-1 reads any byte: a log line with broken UTF-8 is scanned, not skipped
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            int n = 0;
            for (String line; (line = r.readLine()) != null; ) {
                n++;
                lines++;
                scanLine(file, n, line, findings);
            }
        }
        return findings;
    }

    private void scanLine(Path file, int n, String line, List<Finding> findings) {
        Matcher jwt = JWT.matcher(line);
        while (jwt.find()) {
            if (!auditCheckpoint(jwt.group())) {
                findings.add(new Finding(file, n, "a signed JWT", fingerprint(jwt.group())));
            }
        }
        match(PEM_PRIVATE_KEY, "a PEM private key", file, n, line, findings);
        match(JWK_PRIVATE, "a private JWK (\"d\")", file, n, line, findings);
        if (recorded.isEmpty()) {
            return;
        }
        for (int i = 0; i + PREFIX <= line.length(); i++) {
            if (i > 0 && wordChar(line.charAt(i - 1))) {
                continue;
            }
            List<String> candidates = recorded.get(line.substring(i, i + PREFIX));
            if (candidates != null) {
                for (String secret : candidates) {
                    if (line.startsWith(secret, i)) {
                        findings.add(new Finding(file, n, "a secret a test obtained", fingerprint(secret)));
                    }
                }
            }
        }
    }

    /**
     * An audit checkpoint (a JWS over the audit chain's head, {@code typ: edgeauth-audit-checkpoint}) is published
     * in the audit log on purpose and authorizes nothing: not a finding.
     */
    static boolean auditCheckpoint(String jws) {
        try {
            String header = new String(java.util.Base64.getUrlDecoder().decode(jws.substring(0, jws.indexOf('.'))),
                    StandardCharsets.UTF_8);
            return header.contains("\"typ\":\"edgeauth-audit-checkpoint\"");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void match(Pattern p, String kind, Path file, int n, String line, List<Finding> findings) {
        Matcher m = p.matcher(line);
        while (m.find()) {
            findings.add(new Finding(file, n, kind, fingerprint(m.group())));
        }
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-';
    }

    static String fingerprint(String secret) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
