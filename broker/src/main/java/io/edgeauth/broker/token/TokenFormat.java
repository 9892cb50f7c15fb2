package io.edgeauth.broker.token;

import java.util.Locale;

/**
 * The token encodings the broker issues and accepts: signed JWT and CWT, and the same signed tokens
 * encrypted to the broker (nested JWT: a JWS inside a JWE; CWT: a COSE_Sign1 inside a COSE_Encrypt0)
 * for claims that neither the device nor an intermediary may read.
 */
public enum TokenFormat {
    /** JSON Web Token (RFC 7519), compact JWS. */
    JWT("jwt"),
    /** CBOR Web Token (RFC 8392), COSE_Sign1 or COSE_Mac0. */
    CWT("cwt"),
    /** Nested JWT (RFC 7519 §5.2): the signed JWT as the payload of a compact JWE ({@code cty: JWT}). */
    JWE("jwe"),
    /** A signed CWT as the plaintext of a COSE_Encrypt0 (RFC 9052 §5.2, tag 16). */
    CWT_ENCRYPTED("cwt-encrypted");

    private final String parameter;

    TokenFormat(String parameter) {
        this.parameter = parameter;
    }

    /** The {@code token_format} request parameter's value for this format. */
    public String parameter() {
        return parameter;
    }

    /** True for the CBOR formats (raw bytes on CoAP, base64url text in HTTP answers and MQTT passwords). */
    public boolean cbor() {
        return this == CWT || this == CWT_ENCRYPTED;
    }

    /** True for the formats encrypted to the broker. */
    public boolean encrypted() {
        return this == JWE || this == CWT_ENCRYPTED;
    }

    /** The signed format inside: JWT for JWE, CWT for an encrypted CWT, itself otherwise. */
    public TokenFormat signed() {
        return this == JWE ? JWT : this == CWT_ENCRYPTED ? CWT : this;
    }

    /** Parses {@code jwt}, {@code cwt}, {@code jwe} or {@code cwt-encrypted} (any case); anything else is refused. */
    public static TokenFormat parse(String value) {
        if (value == null || value.isEmpty()) {
            return JWT;
        }
        String v = value.toLowerCase(Locale.ROOT);
        for (TokenFormat f : values()) {
            if (f.parameter.equals(v)) {
                return f;
            }
        }
        // the client's value is not echoed: this message reaches responses, audit events and logs
        throw new IllegalArgumentException("token_format must be jwt, cwt, jwe or cwt-encrypted");
    }
}
