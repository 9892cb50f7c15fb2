package io.edgeauth.device;

import java.util.Locale;

/** The token formats the broker issues ({@code token_format} at the token endpoint). */
public enum TokenFormat {
    /** A JWT (RFC 7519), compact serialization. */
    JWT,
    /** A CWT (RFC 8392), COSE-signed CBOR; base64url-encoded in the token response. */
    CWT;

    /** The value of the {@code token_format} form parameter. */
    public String parameter() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code jwt} or {@code cwt}, case-insensitively. */
    public static TokenFormat parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
