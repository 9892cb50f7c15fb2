package io.edgeauth.wallet;

/**
 * EIP-1271 checks for smart-contract wallets, whose "signature" is whatever their contract accepts
 * rather than an ECDSA signature by the address itself. {@link SiweVerifier} asks only when ECDSA
 * recovery did not yield the message's address. Implementations must be thread-safe.
 *
 * @see JsonRpcContractWalletVerifier
 */
public interface ContractWalletVerifier {

    /**
     * @param address EIP-55 address
     * @return true if the address has contract code (so it may be a contract wallet)
     * @throws SiweException {@link SiweErrorCode#RPC_UNAVAILABLE} when the node cannot be asked
     */
    boolean hasCode(String address) throws SiweException;

    /**
     * Calls {@code isValidSignature(bytes32 hash, bytes signature)} on the contract.
     *
     * @param address EIP-55 contract address
     * @param hash the EIP-191 hash of the message
     * @param signature the signature bytes as the wallet produced them (any length)
     * @return true if the contract returned the magic value {@code 0x1626ba7e}
     * @throws SiweException {@link SiweErrorCode#RPC_UNAVAILABLE} when the node cannot be asked
     */
    boolean isValidSignature(String address, byte[] hash, byte[] signature) throws SiweException;
}
