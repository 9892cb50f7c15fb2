package io.edgeauth.wallet.internal;

import io.edgeauth.wallet.SiweErrorCode;
import io.edgeauth.wallet.SiweException;
import java.time.Instant;

/**
 * Field-level EIP-4361 ABNF checks shared by the builder and the parser, each throwing a
 * {@link SiweException} with the field's own code. Error messages quote at most
 * {@value #QUOTE_LIMIT} characters of hostile input. Stateless, thread-safe.
 */
public final class Fields {
    static final int QUOTE_LIMIT = 64;

    private Fields() {
    }

    /** @return {@code s} shortened for an error message, control characters escaped */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), QUOTE_LIMIT) + 8).append('\'');
        for (int i = 0; i < s.length() && i < QUOTE_LIMIT; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > QUOTE_LIMIT) {
            b.append("...");
        }
        return b.append('\'').toString();
    }

    private static SiweException fail(SiweErrorCode code, String message) {
        return new SiweException(code, message);
    }

    public static void scheme(String scheme) throws SiweException {
        if (scheme != null && !Rfc3986.isScheme(scheme)) {
            throw fail(SiweErrorCode.INVALID_SCHEME, "scheme " + quote(scheme) + " is not an RFC 3986 scheme");
        }
    }

    public static void domain(String domain) throws SiweException {
        if (domain == null || domain.isEmpty()) {
            throw fail(SiweErrorCode.INVALID_DOMAIN, "domain is missing");
        }
        if (!Rfc3986.isAuthority(domain)) {
            throw fail(SiweErrorCode.INVALID_DOMAIN, "domain " + quote(domain) + " is not an RFC 3986 authority");
        }
    }

    public static void address(String address) throws SiweException {
        if (address == null || address.isEmpty()) {
            throw fail(SiweErrorCode.INVALID_ADDRESS, "address is missing");
        }
        if (!Eip55.isHexAddress(address)) {
            throw fail(SiweErrorCode.INVALID_ADDRESS,
                    "address " + quote(address) + " is not 0x followed by 40 hexadecimal digits");
        }
        if (!Eip55.isChecksummed(address)) {
            throw fail(SiweErrorCode.ADDRESS_NOT_CHECKSUMMED, "address " + address
                    + " is not in EIP-55 checksum form (expected " + Eip55.toChecksum(Hex.decode(address)) + ")");
        }
    }

    public static void statement(String statement) throws SiweException {
        if (statement == null) {
            return;
        }
        if (statement.isEmpty()) {
            throw fail(SiweErrorCode.INVALID_STATEMENT, "statement is empty (omit it instead)");
        }
        for (int i = 0; i < statement.length(); i++) {
            char c = statement.charAt(i);
            if (!(c == ' ' || Rfc3986.isReserved(c) || Rfc3986.isUnreserved(c))) {
                throw fail(SiweErrorCode.INVALID_STATEMENT, "statement contains a forbidden character "
                        + quote(String.valueOf(c)) + " at position " + i
                        + " (allowed: RFC 3986 reserved and unreserved characters and space)");
            }
        }
    }

    public static void uri(String uri) throws SiweException {
        if (uri == null || uri.isEmpty()) {
            throw fail(SiweErrorCode.INVALID_URI, "URI is missing");
        }
        if (!Rfc3986.isUri(uri)) {
            throw fail(SiweErrorCode.INVALID_URI, "URI " + quote(uri) + " is not an RFC 3986 URI");
        }
    }

    public static void version(String version) throws SiweException {
        if (version == null || version.isEmpty()) {
            throw fail(SiweErrorCode.UNSUPPORTED_VERSION, "version is missing");
        }
        if (!"1".equals(version)) {
            throw fail(SiweErrorCode.UNSUPPORTED_VERSION, "version " + quote(version) + " is not supported (only 1)");
        }
    }

    /** Parses a chain id: decimal digits, no leading zero, fits a positive {@code long}. */
    public static long chainId(String chainId) throws SiweException {
        if (chainId == null || chainId.isEmpty()) {
            throw fail(SiweErrorCode.INVALID_CHAIN_ID, "chain ID is missing");
        }
        int n = chainId.length();
        boolean digits = n <= 18;
        for (int i = 0; i < n && digits; i++) {
            digits = Rfc3986.isDigit(chainId.charAt(i));
        }
        if (!digits || (n > 1 && chainId.charAt(0) == '0')) {
            throw fail(SiweErrorCode.INVALID_CHAIN_ID, "chain ID " + quote(chainId)
                    + " is not a decimal number (at most 18 digits, no leading zero)");
        }
        return chainId(Long.parseLong(chainId));
    }

    public static long chainId(long chainId) throws SiweException {
        if (chainId < 1) {
            throw fail(SiweErrorCode.INVALID_CHAIN_ID, "chain ID " + chainId + " is not positive");
        }
        return chainId;
    }

    public static void nonce(String nonce) throws SiweException {
        if (nonce == null || nonce.isEmpty()) {
            throw fail(SiweErrorCode.INVALID_NONCE, "nonce is missing");
        }
        if (nonce.length() < 8) {
            throw fail(SiweErrorCode.INVALID_NONCE, "nonce " + quote(nonce) + " is shorter than 8 characters");
        }
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (!(Rfc3986.isAlpha(c) || Rfc3986.isDigit(c))) {
                throw fail(SiweErrorCode.INVALID_NONCE, "nonce " + quote(nonce) + " is not alphanumeric");
            }
        }
    }

    /** @return the instant, or null when {@code value} is null and the field is optional */
    public static Instant timestamp(String field, String value, boolean required) throws SiweException {
        if (value == null) {
            if (required) {
                throw fail(SiweErrorCode.INVALID_TIMESTAMP, field + " is missing");
            }
            return null;
        }
        Instant t = Rfc3339.parse(value);
        if (t == null) {
            throw fail(SiweErrorCode.INVALID_TIMESTAMP, field + " " + quote(value) + " is not an RFC 3339 date-time");
        }
        return t;
    }

    public static void requestId(String requestId) throws SiweException {
        if (requestId != null && !Rfc3986.isPcharRun(requestId)) {
            throw fail(SiweErrorCode.INVALID_REQUEST_ID,
                    "request ID " + quote(requestId) + " contains characters outside RFC 3986 pchar");
        }
    }

    public static void resource(int index, String resource) throws SiweException {
        if (resource == null || !Rfc3986.isUri(resource)) {
            throw fail(SiweErrorCode.INVALID_RESOURCE, "resource " + (index + 1) + " "
                    + (resource == null ? "is missing" : quote(resource) + " is not an RFC 3986 URI"));
        }
    }
}
