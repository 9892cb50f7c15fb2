package io.edgeauth.wallet;

import io.edgeauth.wallet.internal.EcdsaSignature;
import io.edgeauth.wallet.internal.Eip191;
import io.edgeauth.wallet.internal.Erc6492;
import io.edgeauth.wallet.internal.FailedSignatures;
import io.edgeauth.wallet.internal.Fields;
import io.edgeauth.wallet.internal.Hex;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Verifies a Sign-In with Ethereum login: parse the message (size-limited), check it against the
 * {@link SiweConfig} policy (domain, scheme, URI origin, chain, time window), check the EIP-191
 * {@code personal_sign} signature (ECDSA recovery, or EIP-1271 for contract wallets) and finally
 * consume the nonce.
 *
 * <p>The nonce is consumed last, so a request that fails any other check cannot burn a nonce that
 * belongs to a legitimate pending login; consumption is atomic, so a replay racing the original
 * still loses. It is looked at ({@link NonceStore#isLive}) before the signature, though: a message
 * with a nonce that cannot be consumed costs no recovery and no JSON-RPC call. A nonce allows
 * {@value #MAX_FAILED_SIGNATURES} failed signatures on each node; the last spends it, so one nonce cannot drive
 * failed contract-wallet checks for its whole life. Thread-safe if the
 * collaborators are (all shipped ones are). Blocking only when an EIP-1271 check calls the JSON-RPC node.
 *
 * <pre>{@code
 * SiweVerifier v = SiweVerifier.create(config, nonceStore);
 * String nonce = v.issueNonce();                       // GET /siwe/nonce
 * VerifiedLogin login = v.verify(message, signature);  // POST /siwe/login
 * }</pre>
 */
public final class SiweVerifier {
    /** Hex characters accepted for a signature: generous for EIP-1271 wallets, bounded for hostile input. */
    static final int MAX_SIGNATURE_BYTES = 4096;
    /** Failed signature checks one nonce allows (on each node); the last spends it (tour I, I10). */
    public static final int MAX_FAILED_SIGNATURES = 5;
    static final int MAX_SIGNATURE_HEX = 2 + 2 * MAX_SIGNATURE_BYTES;

    private final SiweConfig config;
    private final NonceStore nonces;
    private final SignatureRecovery recovery;
    private final ContractWalletVerifier contractWallets;
    private final SiweParser parser;
    private final FailedSignatures failedSignatures = new FailedSignatures(MAX_FAILED_SIGNATURES, 100_000);

    /**
     * @param config policy
     * @param nonces nonce store shared with whoever issues nonces
     * @param recovery ECDSA public key recovery (see {@link SignatureRecoveries})
     * @param contractWallets EIP-1271 checker, or null to accept only plain (EOA) signatures
     */
    public SiweVerifier(SiweConfig config, NonceStore nonces, SignatureRecovery recovery,
            ContractWalletVerifier contractWallets) {
        this.config = Objects.requireNonNull(config, "config");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
        this.recovery = Objects.requireNonNull(recovery, "recovery");
        this.contractWallets = contractWallets;
        this.parser = new SiweParser(config.maxMessageLength());
    }

    /** @return a verifier with the best available recovery and no EIP-1271 support */
    public static SiweVerifier create(SiweConfig config, NonceStore nonces) {
        return new SiweVerifier(config, nonces, SignatureRecoveries.best(), null);
    }

    /** @return a fresh nonce from the store, valid for {@link SiweConfig#nonceTtl()} */
    public String issueNonce() {
        return nonces.issue(config.nonceTtl());
    }

    /** @return the recovery implementation in use */
    public SignatureRecovery recovery() {
        return recovery;
    }

    /**
     * @param message the exact text the wallet signed
     * @param signatureHex the {@code personal_sign} result, hex with or without {@code 0x}
     * @return the verified login
     * @throws SiweException the first reason the login is refused
     */
    public VerifiedLogin verify(String message, String signatureHex) throws SiweException {
        SiweMessage m = parser.parseMessage(message);
        return verify(m, message, decodeSignature(signatureHex));
    }

    /**
     * Verifies an already parsed message; the signature must be over {@link SiweMessage#toMessageString()}. Held to the
     * same 4096 bytes as a hex signature: it may be forwarded to a JSON-RPC node.
     */
    public VerifiedLogin verify(SiweMessage message, byte[] signature) throws SiweException {
        if (signature == null || signature.length == 0 || signature.length > MAX_SIGNATURE_BYTES) {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED, signature == null || signature.length == 0
                    ? "signature is missing" : "signature is longer than " + MAX_SIGNATURE_BYTES + " bytes");
        }
        return verify(message, message.toMessageString(), signature);
    }

    private VerifiedLogin verify(SiweMessage m, String text, byte[] signature) throws SiweException {
        checkPolicy(m);
        checkTime(m, config.clock().instant());
        if (!nonces.isLive(m.nonce())) {
            // refused with the store's own reason; consuming a nonce that is not live changes nothing
            consumeNonce(m.nonce());
        }
        boolean contract;
        try {
            contract = checkSignature(m, text, signature);
        } catch (SiweException e) {
            if (e.code().category() == SiweErrorCode.Category.SIGNATURE && failedSignatures.failed(m.nonce())) {
                nonces.consume(m.nonce()); // every node now refuses it before any recovery or JSON-RPC call
                throw new SiweException(e.code(), e.getMessage() + "; the nonce is spent after "
                        + failedSignatures.limit() + " failed signatures: ask for a new one");
            }
            throw e;
        }
        consumeNonce(m.nonce());
        return new VerifiedLogin(m.address(), m.chainId(), m, contract);
    }

    /** Whether logins on {@code chainId} are accepted now (the config's chain ids). */
    public boolean acceptsChain(long chainId) {
        return config.chainIds().contains(chainId);
    }

    private static byte[] decodeSignature(String hex) throws SiweException {
        if (hex == null || hex.isEmpty()) {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED, "signature is missing");
        }
        if (hex.length() > MAX_SIGNATURE_HEX) {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED, "signature is longer than 4096 bytes");
        }
        byte[] sig = Hex.decode(hex);
        if (sig == null) {
            throw new SiweException(SiweErrorCode.SIGNATURE_MALFORMED,
                    "signature is not an even number of hexadecimal digits");
        }
        return sig;
    }

    /** Whether a message naming {@code domain} (its {@code domain} line) is accepted now (the config's domains). */
    public boolean acceptsDomain(String domain) {
        return config.domains().contains(domain.toLowerCase(Locale.ROOT));
    }

    /** Whether a message naming {@code uri} (its {@code URI} line) is accepted now: its origin is one of the config's. */
    public boolean acceptsUri(String uri) {
        String origin = origin(uri);
        return origin != null && config.origins().contains(origin);
    }

    private void checkPolicy(SiweMessage m) throws SiweException {
        if (!acceptsDomain(m.domain())) {
            throw new SiweException(SiweErrorCode.DOMAIN_NOT_ALLOWED,
                    "domain " + Fields.quote(m.domain()) + " is not accepted by this service");
        }
        // EIP-4361: "If scheme is not specified, HTTPS is assumed."
        String scheme = m.scheme() == null ? "https" : m.scheme().toLowerCase(Locale.ROOT);
        if (!config.schemes().contains(scheme)) {
            throw new SiweException(SiweErrorCode.SCHEME_NOT_ALLOWED, "scheme " + Fields.quote(scheme) + " is not accepted");
        }
        if (!acceptsUri(m.uri())) {
            throw new SiweException(SiweErrorCode.URI_NOT_ALLOWED,
                    "URI " + Fields.quote(m.uri()) + " is not under an accepted origin");
        }
        if (!config.chainIds().contains(m.chainId())) {
            throw new SiweException(SiweErrorCode.CHAIN_NOT_ALLOWED, "chain ID " + m.chainId() + " is not accepted");
        }
    }

    /** @return {@code scheme://host[:port]} in lower case (userinfo dropped), or null without authority */
    static String origin(String uri) {
        int colon = uri.indexOf(':');
        if (colon < 0 || !uri.startsWith("//", colon + 1)) {
            return null;
        }
        int start = colon + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(start, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        return (uri.substring(0, colon) + "://" + authority).toLowerCase(Locale.ROOT);
    }

    private void checkTime(SiweMessage m, Instant now) throws SiweException {
        Instant exp = m.expirationInstant();
        if (exp != null && !now.isBefore(exp.plus(config.leeway()))) {
            throw new SiweException(SiweErrorCode.EXPIRED, "message expired at " + Fields.quote(m.expirationTime()));
        }
        Instant nbf = m.notBeforeInstant();
        if (nbf != null && now.plus(config.leeway()).isBefore(nbf)) {
            throw new SiweException(SiweErrorCode.NOT_YET_VALID, "message is not valid before " + Fields.quote(m.notBefore()));
        }
        Instant iat = m.issuedAtInstant();
        // a message from the future is refused whatever maxAge says: it could be signed now and replayed later
        if (iat.isAfter(now.plus(config.leeway()))) {
            throw new SiweException(SiweErrorCode.ISSUED_AT_OUT_OF_RANGE, "issued-at time " + Fields.quote(m.issuedAt())
                    + " is in the future");
        }
        if (config.maxAge() != null) {
            if (iat.plus(config.maxAge()).plus(config.leeway()).isBefore(now)) {
                throw new SiweException(SiweErrorCode.ISSUED_AT_OUT_OF_RANGE, "issued-at time " + Fields.quote(m.issuedAt())
                        + " is older than " + config.maxAge());
            }
        }
    }

    /** @return true if accepted by an EIP-1271 contract, false if by ECDSA recovery */
    private boolean checkSignature(SiweMessage m, String text, byte[] signature) throws SiweException {
        byte[] hash = Eip191.personalMessageHash(text.getBytes(StandardCharsets.UTF_8));
        if (Erc6492.isWrapped(signature)) { // ERC-6492: checked before EIP-1271 and never by ecrecover
            checkCounterfactual(m, hash, signature);
            return true;
        }
        SiweException eoaFailure;
        try {
            EcdsaSignature sig = EcdsaSignature.parse(signature);
            byte[] recovered = recovery.recoverAddress(hash, sig.rs(), sig.recoveryId());
            if (recovered == null) {
                eoaFailure = new SiweException(SiweErrorCode.SIGNATURE_UNRECOVERABLE,
                        "no public key can be recovered from the signature");
            } else if (Arrays.equals(recovered, Hex.decode(m.address()))) {
                return false;
            } else {
                eoaFailure = new SiweException(SiweErrorCode.SIGNATURE_MISMATCH, "signature is not by " + m.address()
                        + " for this message");
            }
        } catch (SiweException e) {
            eoaFailure = e;
        }
        // Not a plain signature by the address: it may still be a contract wallet's (EIP-1271).
        if (contractWallets == null || !contractWallets.supportsChain(m.chainId())) {
            throw new SiweException(eoaFailure.code(), eoaFailure.getMessage()
                    + " (contract wallets cannot be checked: no EIP-1271 JSON-RPC endpoint configured for chain ID "
                    + m.chainId() + ")");
        }
        if (!contractWallets.hasCode(m.chainId(), m.address())) {
            throw eoaFailure;
        }
        if (!contractWallets.isValidSignature(m.chainId(), m.address(), hash, signature)) {
            throw new SiweException(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED,
                    "contract wallet " + m.address() + " did not accept the signature (EIP-1271)");
        }
        return true;
    }

    /**
     * ERC-6492's order: a deployed wallet is asked with the unwrapped signature first (its keys may have rotated since
     * the signature was made); if it says no, or it has no code yet, the wrapped call (its deployment or a prepare
     * call) is simulated before asking again.
     */
    private void checkCounterfactual(SiweMessage m, byte[] hash, byte[] signature) throws SiweException {
        if (contractWallets == null || !contractWallets.supportsChain(m.chainId())) {
            throw new SiweException(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED, "an ERC-6492 signature of a contract wallet"
                    + " not deployed yet needs a JSON-RPC endpoint for chain ID " + m.chainId() + "; none is configured");
        }
        Erc6492.Wrapped w = Erc6492.unwrap(signature);
        if (contractWallets.hasCode(m.chainId(), m.address())
                && contractWallets.isValidSignature(m.chainId(), m.address(), hash, w.signature())) {
            return;
        }
        if (!contractWallets.isValidSignatureAfter(m.chainId(), m.address(), w.target(), w.data(), hash, w.signature())) {
            throw new SiweException(SiweErrorCode.CONTRACT_SIGNATURE_REJECTED, "contract wallet " + m.address()
                    + " did not accept the signature once deployed by " + w.target() + " (ERC-6492)");
        }
    }

    private void consumeNonce(String nonce) throws SiweException {
        switch (nonces.consumeWithOutcome(nonce)) {
            case CONSUMED:
                return;
            case UNKNOWN:
                throw new SiweException(SiweErrorCode.NONCE_UNKNOWN, "nonce " + Fields.quote(nonce) + " was not issued by this service");
            case ALREADY_USED:
                throw new SiweException(SiweErrorCode.NONCE_REUSED, "nonce " + Fields.quote(nonce) + " was already used");
            case EXPIRED:
                throw new SiweException(SiweErrorCode.NONCE_EXPIRED, "nonce " + Fields.quote(nonce) + " has expired");
            default:
                throw new SiweException(SiweErrorCode.NONCE_REJECTED, "nonce " + Fields.quote(nonce) + " is unknown, used or expired");
        }
    }
}
