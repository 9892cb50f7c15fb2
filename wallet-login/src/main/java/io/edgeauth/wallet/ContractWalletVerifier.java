package io.edgeauth.wallet;

import java.util.Map;
import java.util.Objects;

/**
 * EIP-1271 checks for smart-contract wallets, whose "signature" is whatever their contract accepts
 * rather than an ECDSA signature by the address itself. {@link SiweVerifier} asks only when ECDSA
 * recovery did not yield the message's address. A contract lives on one chain, so every call names
 * the chain of the message. Implementations must be thread-safe.
 *
 * @see JsonRpcContractWalletVerifier
 */
public interface ContractWalletVerifier {

    /** @return true if this verifier can ask a node of {@code chainId} */
    boolean supportsChain(long chainId);

    /**
     * @param chainId chain of the message
     * @param address EIP-55 address
     * @return true if the address has contract code (so it may be a contract wallet)
     * @throws SiweException {@link SiweErrorCode#RPC_UNAVAILABLE} when the node cannot be asked
     */
    boolean hasCode(long chainId, String address) throws SiweException;

    /**
     * Calls {@code isValidSignature(bytes32 hash, bytes signature)} on the contract.
     *
     * @param chainId chain of the message
     * @param address EIP-55 contract address
     * @param hash the EIP-191 hash of the message
     * @param signature the signature bytes as the wallet produced them (any length)
     * @return true if the contract returned the magic value {@code 0x1626ba7e}
     * @throws SiweException {@link SiweErrorCode#RPC_UNAVAILABLE} when the node cannot be asked
     */
    boolean isValidSignature(long chainId, String address, byte[] hash, byte[] signature) throws SiweException;

    /**
     * ERC-6492 for a wallet not deployed yet (or not ready): in one simulation at the latest block, with nothing sent
     * to the chain, calls {@code prepareTo} with {@code prepareData} (the wallet's factory deploying it, or a prepare
     * call), then {@code isValidSignature(hash, signature)} on the wallet.
     *
     * @return true if the deployment succeeded and the wallet then returned the magic value {@code 0x1626ba7e}
     * @throws SiweException {@link SiweErrorCode#RPC_UNAVAILABLE} when the node cannot be asked or cannot simulate
     */
    default boolean isValidSignatureAfter(long chainId, String address, String prepareTo, byte[] prepareData,
                                          byte[] hash, byte[] signature) throws SiweException {
        throw new SiweException(SiweErrorCode.RPC_UNAVAILABLE,
                "this contract wallet verifier cannot simulate an ERC-6492 deployment");
    }

    /**
     * @param byChain one verifier per chain id (e.g. one JSON-RPC endpoint each)
     * @return a verifier that dispatches on the message's chain
     */
    static ContractWalletVerifier byChain(Map<Long, ? extends ContractWalletVerifier> byChain) {
        Map<Long, ContractWalletVerifier> copy = Map.copyOf(byChain);
        return new ContractWalletVerifier() {
            private ContractWalletVerifier pick(long chainId) throws SiweException {
                ContractWalletVerifier v = copy.get(chainId);
                if (v == null) {
                    throw new SiweException(SiweErrorCode.RPC_UNAVAILABLE,
                            "no EIP-1271 JSON-RPC endpoint configured for chain ID " + chainId);
                }
                return v;
            }

            @Override
            public boolean supportsChain(long chainId) {
                ContractWalletVerifier v = copy.get(chainId);
                return v != null && v.supportsChain(chainId);
            }

            @Override
            public boolean hasCode(long chainId, String address) throws SiweException {
                return pick(chainId).hasCode(chainId, Objects.requireNonNull(address));
            }

            @Override
            public boolean isValidSignature(long chainId, String address, byte[] hash, byte[] signature)
                    throws SiweException {
                return pick(chainId).isValidSignature(chainId, address, hash, signature);
            }

            @Override
            public boolean isValidSignatureAfter(long chainId, String address, String prepareTo, byte[] prepareData,
                                                 byte[] hash, byte[] signature) throws SiweException {
                return pick(chainId).isValidSignatureAfter(chainId, address, prepareTo, prepareData, hash, signature);
            }
        };
    }
}
