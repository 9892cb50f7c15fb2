package io.edgeauth.broker.crypto;

import java.util.Locale;

/**
 * Every token signature/MAC algorithm the broker understands, with its JOSE name, its COSE label
 * and the JCA algorithm behind it. Anything not listed here (including {@code none}) is refused
 * before a key is even looked up. Immutable.
 *
 * <p>ECDSA uses the JCA {@code ...inP1363Format} variants: JWS and COSE both carry the raw
 * {@code r||s} form, and letting the provider do the DER transcoding keeps one code path for both
 * encodings (the provider also range-checks r and s).
 */
public enum TokenAlgorithm {
    ES256("ES256", -7, "SHA256withECDSAinP1363Format", KeyKind.EC, 64),
    ES384("ES384", -35, "SHA384withECDSAinP1363Format", KeyKind.EC, 96),
    ES512("ES512", -36, "SHA512withECDSAinP1363Format", KeyKind.EC, 132),
    EDDSA("EdDSA", -8, "Ed25519", KeyKind.OKP, 64),
    RS256("RS256", -257, "SHA256withRSA", KeyKind.RSA, -1),
    HS256("HS256", 5, "HmacSHA256", KeyKind.OCT, 32),
    HS384("HS384", 6, "HmacSHA384", KeyKind.OCT, 48),
    HS512("HS512", 7, "HmacSHA512", KeyKind.OCT, 64),
    /** COSE "HMAC 256/64" (RFC 8392 A.4): HMAC-SHA256 truncated to 8 bytes. COSE only, never a default. */
    HS256_64(null, 4, "HmacSHA256", KeyKind.OCT, 8);

    /** Family of key an algorithm needs; a key of another family is never used with it. */
    public enum KeyKind { EC, OKP, RSA, OCT }

    private final String joseName;
    private final int coseId;
    private final String jcaName;
    private final KeyKind keyKind;
    private final int signatureLength;

    TokenAlgorithm(String joseName, int coseId, String jcaName, KeyKind keyKind, int signatureLength) {
        this.joseName = joseName;
        this.coseId = coseId;
        this.jcaName = jcaName;
        this.keyKind = keyKind;
        this.signatureLength = signatureLength;
    }

    /** JOSE {@code alg} value, or null if the algorithm has no JOSE name. */
    public String joseName() {
        return joseName;
    }

    public int coseId() {
        return coseId;
    }

    public String jcaName() {
        return jcaName;
    }

    public KeyKind keyKind() {
        return keyKind;
    }

    /** Exact signature/tag length in bytes, or -1 when it depends on the key (RSA). */
    public int signatureLength() {
        return signatureLength;
    }

    public boolean isMac() {
        return keyKind == KeyKind.OCT;
    }

    /** Looks up a JOSE {@code alg} (case-sensitive as RFC 7515 requires); null if unknown or {@code none}. */
    public static TokenAlgorithm fromJose(String alg) {
        if (alg == null) {
            return null;
        }
        for (TokenAlgorithm a : values()) {
            if (alg.equals(a.joseName)) {
                return a;
            }
        }
        return null;
    }

    /** Looks up a COSE algorithm label; null if unknown. */
    public static TokenAlgorithm fromCose(long id) {
        for (TokenAlgorithm a : values()) {
            if (a.coseId == id) {
                return a;
            }
        }
        return null;
    }

    /** Parses a configured name: a JOSE name (any case) or {@code HS256/64}. */
    public static TokenAlgorithm parseConfig(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("HS256/64") || n.equals("HMAC 256/64")) {
            return HS256_64;
        }
        for (TokenAlgorithm a : values()) {
            if (a.joseName != null && a.joseName.toUpperCase(Locale.ROOT).equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown token algorithm: " + name);
    }

    @Override
    public String toString() {
        return joseName != null ? joseName : "HS256/64";
    }
}
