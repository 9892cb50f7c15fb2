package io.edgeauth.broker.telemetry;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.text.ParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies end-to-end payload signatures on telemetry: a detached JWS with an unencoded payload
 * (RFC 7515 appendix F, RFC 7797): {@code BASE64URL(header) + ".." + BASE64URL(signature)}, header
 * {@code {"alg":..., "b64":false, "crit":["b64"]}}, signing input {@code ASCII(BASE64URL(header)) || '.'
 * || payload}. The device signs with its registered key; the edge checks with that key (never a key
 * named in the header), and forwards the signature unchanged so subscribers can check it themselves.
 *
 * <p>Hand-written on top of {@link Signatures} rather than Nimbus's {@code JWSObject}: the hot path
 * verifies one signature per message, and Nimbus would copy the payload into a base64url string and
 * back; here the only copy is the signing input. Nimbus checks our output in the tests. Thread-safe.
 */
public final class PayloadSignatures {
    /** The MQTT 5 user property (and CoAP option value) that carries the signature. */
    public static final String USER_PROPERTY = "edgeauth-sig";
    /** Longest accepted signature value: an RSA-4096 signature and a header with a long kid fit. */
    public static final int MAX_LENGTH = 2048;
    private static final int HEADER_CACHE_MAX = 256;

    /** What a check found. */
    public enum Verdict {
        VALID,
        /** Not a detached JWS with {@code b64: false}, or unreadable. */
        MALFORMED,
        /** An algorithm we do not verify, or one that does not fit the device's key. */
        UNSUPPORTED_ALGORITHM,
        /** The signature does not verify over this payload with the device's key. */
        BAD_SIGNATURE
    }

    private final Signatures signatures;
    private final Map<String, TokenAlgorithm> headers = new ConcurrentHashMap<>();

    public PayloadSignatures(Signatures signatures) {
        this.signatures = Objects.requireNonNull(signatures, "signatures");
    }

    /**
     * Checks {@code signature} over {@code payload} with the device's public key.
     *
     * @param allowed the algorithms the device's key may use (e.g. ES256 for a P-256 key)
     */
    public Verdict verify(String signature, byte[] payload, Key deviceKey, Set<TokenAlgorithm> allowed) {
        if (signature == null || signature.length() > MAX_LENGTH) {
            return Verdict.MALFORMED;
        }
        int dot = signature.indexOf("..");
        if (dot <= 0 || signature.indexOf('.', dot + 2) >= 0) {
            return Verdict.MALFORMED;
        }
        String header = signature.substring(0, dot);
        TokenAlgorithm alg = headers.get(header);
        if (alg == null) {
            alg = parseHeader(header);
            if (alg == null) {
                return Verdict.MALFORMED;
            }
            if (headers.size() >= HEADER_CACHE_MAX) {
                headers.clear(); // unique headers from a client only cost it the parse it costs anyway
            }
            headers.put(header, alg);
        }
        if (alg.isMac() || !allowed.contains(alg) || !Signatures.keyMatches(alg, deviceKey)) {
            return Verdict.UNSUPPORTED_ALGORITHM;
        }
        byte[] sig;
        try {
            sig = Base64.getUrlDecoder().decode(signature.substring(dot + 2));
        } catch (IllegalArgumentException e) {
            return Verdict.MALFORMED;
        }
        byte[] input = new byte[header.length() + 1 + payload.length];
        for (int i = 0; i < header.length(); i++) {
            input[i] = (byte) header.charAt(i); // base64url: ASCII
        }
        input[header.length()] = '.';
        System.arraycopy(payload, 0, input, header.length() + 1, payload.length);
        return signatures.verify(alg, deviceKey, input, input.length, sig) ? Verdict.VALID : Verdict.BAD_SIGNATURE;
    }

    /** The header's algorithm if it is a detached-unencoded JWS header we accept, else null. */
    private static TokenAlgorithm parseHeader(String b64) {
        Map<String, Object> h;
        try {
            if (!b64.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'))) {
                return null;
            }
            h = JSONObjectUtils.parse(new String(Base64.getUrlDecoder().decode(b64), StandardCharsets.UTF_8));
        } catch (ParseException | IllegalArgumentException e) {
            return null;
        }
        // RFC 7797 §6: b64 must be understood and protected, so it must be named in crit
        if (!Boolean.FALSE.equals(h.get("b64")) || !List.of("b64").equals(h.get("crit"))) {
            return null;
        }
        for (String name : h.keySet()) {
            if (!Set.of("alg", "b64", "crit", "kid", "typ").contains(name)) {
                return null; // jwk, jku, x5c ... are never followed; anything else we do not understand
            }
        }
        return h.get("alg") instanceof String a ? TokenAlgorithm.fromJose(a) : null;
    }
}
