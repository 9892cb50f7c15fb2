package io.edgeauth.broker.tls;

import java.util.List;
import java.util.Set;

/**
 * What every TLS listener of the broker offers (docs/security-posture.md): TLS 1.3 and 1.2 only, and AEAD suites
 * with forward secrecy only (TLS 1.3's three; TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305; no CBC, no SHA-1
 * MAC, no static RSA). The HTTPS listener takes them from here; the MQTT edge keeps the same list of its own
 * until its rewrite lands. Constants only.
 */
public final class TlsPosture {
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
    public static final List<String> AEAD_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsPosture() {
    }
}
