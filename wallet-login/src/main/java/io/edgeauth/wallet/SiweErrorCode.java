package io.edgeauth.wallet;

/**
 * Why a Sign-In with Ethereum message or signature was refused.
 *
 * <p>Each code belongs to one {@link Category}, so callers can map a refusal to a protocol answer
 * (for example HTTP 400 for {@link Category#MALFORMED}, 401 for the others, 503 for
 * {@link Category#UNAVAILABLE}) without listing every code.
 */
public enum SiweErrorCode {
    /** The message is larger than the configured limit; refused before parsing. */
    MESSAGE_TOO_LARGE(Category.MALFORMED),
    /** The message does not follow the EIP-4361 layout (missing, extra or out-of-order lines). */
    MALFORMED_MESSAGE(Category.MALFORMED),
    /** The optional scheme is not an RFC 3986 scheme. */
    INVALID_SCHEME(Category.MALFORMED),
    /** The domain is missing or not an RFC 3986 authority. */
    INVALID_DOMAIN(Category.MALFORMED),
    /** The address is missing or not {@code 0x} followed by 40 hex digits. */
    INVALID_ADDRESS(Category.MALFORMED),
    /** The address is well formed but not in its EIP-55 mixed-case checksum form. */
    ADDRESS_NOT_CHECKSUMMED(Category.MALFORMED),
    /** The statement contains a character the ABNF does not allow (such as a line feed). */
    INVALID_STATEMENT(Category.MALFORMED),
    /** The URI is missing or not an RFC 3986 URI. */
    INVALID_URI(Category.MALFORMED),
    /** The version is missing or not {@code 1}. */
    UNSUPPORTED_VERSION(Category.MALFORMED),
    /** The chain id is missing or not a decimal number. */
    INVALID_CHAIN_ID(Category.MALFORMED),
    /** The nonce is missing, shorter than 8 characters or not alphanumeric. */
    INVALID_NONCE(Category.MALFORMED),
    /** A timestamp is missing or not an RFC 3339 date-time (including impossible dates). */
    INVALID_TIMESTAMP(Category.MALFORMED),
    /** The request id contains characters outside RFC 3986 {@code pchar}. */
    INVALID_REQUEST_ID(Category.MALFORMED),
    /** A resource is not an RFC 3986 URI. */
    INVALID_RESOURCE(Category.MALFORMED),

    /** The domain is not one this service accepts (phishing protection). */
    DOMAIN_NOT_ALLOWED(Category.POLICY),
    /** The scheme (explicit, or the implied {@code https}) is not accepted. */
    SCHEME_NOT_ALLOWED(Category.POLICY),
    /** The URI does not belong to an accepted origin. */
    URI_NOT_ALLOWED(Category.POLICY),
    /** The chain id is not in the allowlist. */
    CHAIN_NOT_ALLOWED(Category.POLICY),

    /** The expiration time has passed (beyond the leeway). */
    EXPIRED(Category.TIME),
    /** The not-before time has not come yet (beyond the leeway). */
    NOT_YET_VALID(Category.TIME),
    /** The issued-at time is in the future or older than the configured maximum age. */
    ISSUED_AT_OUT_OF_RANGE(Category.TIME),

    /** The nonce was never issued by this service. */
    NONCE_UNKNOWN(Category.NONCE),
    /** The nonce was already used for a login. */
    NONCE_REUSED(Category.NONCE),
    /** The nonce was issued but its time to live has passed. */
    NONCE_EXPIRED(Category.NONCE),
    /** The nonce store refused the nonce without saying why (unknown, used or expired). */
    NONCE_REJECTED(Category.NONCE),

    /** The signature is not hex, has the wrong length, or r/s/v are out of range. */
    SIGNATURE_MALFORMED(Category.SIGNATURE),
    /** The signature's s is in the upper half of the curve order (malleable form; EIP-2). */
    SIGNATURE_HIGH_S(Category.SIGNATURE),
    /** No public key can be recovered from the signature. */
    SIGNATURE_UNRECOVERABLE(Category.SIGNATURE),
    /** The signature was made by another key (or over another message). */
    SIGNATURE_MISMATCH(Category.SIGNATURE),
    /** The smart-contract wallet (EIP-1271) did not accept the signature. */
    CONTRACT_SIGNATURE_REJECTED(Category.SIGNATURE),

    /** The JSON-RPC endpoint for EIP-1271 checks failed, timed out or answered nonsense. */
    RPC_UNAVAILABLE(Category.UNAVAILABLE);

    /** Coarse grouping of the codes. */
    public enum Category {
        /** The input does not follow EIP-4361 or the signature encoding. */
        MALFORMED,
        /** Well formed but not for this service (domain, URI, scheme, chain). */
        POLICY,
        /** Outside its validity window. */
        TIME,
        /** The nonce cannot be used. */
        NONCE,
        /** The signature does not prove control of the address. */
        SIGNATURE,
        /** A dependency (JSON-RPC node) did not answer; the login may succeed later. */
        UNAVAILABLE
    }

    private final Category category;

    SiweErrorCode(Category category) {
        this.category = category;
    }

    /** @return the coarse group this code belongs to */
    public Category category() {
        return category;
    }
}
