package io.edgeauth.broker.token;

/** The two token encodings the broker issues and accepts. */
public enum TokenFormat {
    /** JSON Web Token (RFC 7519), compact JWS. */
    JWT,
    /** CBOR Web Token (RFC 8392), COSE_Sign1 or COSE_Mac0. */
    CWT;

    /** Parses {@code jwt} or {@code cwt} (any case); anything else is refused. */
    public static TokenFormat parse(String value) {
        if (value == null || value.isEmpty()) {
            return JWT;
        }
        switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "jwt": return JWT;
            case "cwt": return CWT;
            // the client's value is not echoed: this message reaches responses, audit events and logs
            default: throw new IllegalArgumentException("token_format must be jwt or cwt");
        }
    }
}
