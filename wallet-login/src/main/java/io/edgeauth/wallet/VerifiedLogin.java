package io.edgeauth.wallet;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A successful Sign-In with Ethereum: who signed, on which chain, and until when the message is
 * valid. Immutable and thread-safe.
 */
public final class VerifiedLogin {
    private final String address;
    private final long chainId;
    private final SiweMessage message;
    private final boolean contractWallet;

    /**
     * @param address EIP-55 address that signed
     * @param chainId chain of the message
     * @param message the verified message
     * @param contractWallet true if the signature was accepted by an EIP-1271 contract
     */
    public VerifiedLogin(String address, long chainId, SiweMessage message, boolean contractWallet) {
        this.address = Objects.requireNonNull(address, "address");
        this.chainId = chainId;
        this.message = Objects.requireNonNull(message, "message");
        this.contractWallet = contractWallet;
    }

    /** @return the signing address, EIP-55 checksum form */
    public String address() {
        return address;
    }

    /** @return the EIP-155 chain id */
    public long chainId() {
        return chainId;
    }

    /** @return the verified message */
    public SiweMessage message() {
        return message;
    }

    /** @return true if an EIP-1271 contract wallet accepted the signature */
    public boolean contractWallet() {
        return contractWallet;
    }

    /** @return the message's expiration time, if it has one (a session must not outlive it) */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(message.expirationInstant());
    }

    /** @return {@code did:pkh:eip155:{chainId}:{address}} (CAIP-10 account as a DID) */
    public String did() {
        return did(chainId, address);
    }

    /** @return {@code did:pkh:eip155:{chainId}:{address}} */
    public static String did(long chainId, String address) {
        return "did:pkh:eip155:" + chainId + ":" + address;
    }

    @Override
    public String toString() {
        return "VerifiedLogin[" + did() + (contractWallet ? ", EIP-1271" : "") + "]";
    }
}
