package io.edgeauth.device;

import java.util.Locale;

/** The token formats the broker issues ({@code token_format} at the token endpoint). */
public enum TokenFormat {
    /** A JWT (RFC 7519), compact serialization. */
    JWT("jwt"),
    /** A CWT (RFC 8392), COSE-signed CBOR; base64url-encoded in the token response. */
    CWT("cwt"),
    /** A nested JWT encrypted to the broker (compact JWE): the device cannot read its claims. */
    JWE("jwe"),
    /** A CWT encrypted to the broker (COSE_Encrypt0); base64url-encoded in the token response. */
    CWT_ENCRYPTED("cwt-encrypted");

    private final String parameter;

    TokenFormat(String parameter) {
        this.parameter = parameter;
    }

    /** The value of the {@code token_format} form parameter. */
    public String parameter() {
        return parameter;
    }

    /** True for the CBOR formats: raw bytes on CoAP (content-format 61), base64url text elsewhere. */
    public boolean cbor() {
        return this == CWT || this == CWT_ENCRYPTED;
    }

    /** Parses {@code jwt}, {@code cwt}, {@code jwe} or {@code cwt-encrypted}, case-insensitively. */
    public static TokenFormat parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (TokenFormat f : values()) {
            if (f.parameter.equals(v)) {
                return f;
            }
        }
        throw new IllegalArgumentException("token format must be jwt, cwt, jwe or cwt-encrypted");
    }
}
