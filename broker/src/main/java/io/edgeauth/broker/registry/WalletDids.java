package io.edgeauth.broker.registry;

import java.util.regex.Pattern;

/**
 * The grammar of wallet principals ({@code did:pkh:eip155:<chainId>:0x<40 hex>}, CAIP-10 account ids as SIWE
 * sessions name them) and of the MQTT client ids a wallet may use: its DID, or its DID, {@code #} and a suffix
 * of its choosing (one per browser tab or app; the broker assigns one when the client sends none). Stateless.
 */
public final class WalletDids {
    private static final Pattern DID = Pattern.compile("did:pkh:eip155:[0-9]{1,12}:0x[0-9a-fA-F]{40}");
    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    /** The DID namespace (W3C DID Core: the scheme is case-insensitive), which device ids may not enter. */
    private static final String DID_SCHEME = "did:";

    private WalletDids() {
    }

    /** The longest DID the grammar allows: the prefix, a 12-digit chain id, ':' and the 42-character address. */
    static final int MAX_LENGTH = "did:pkh:eip155:".length() + 12 + 1 + 42;

    /**
     * True for a syntactically valid wallet DID. The length check only spares the regex long input; it is the grammar's
     * own bound (it was 64, which left six digits for the chain id and made Sepolia's 11155111 no wallet DID).
     */
    public static boolean isWalletDid(String s) {
        return s != null && s.length() <= MAX_LENGTH && DID.matcher(s).matches();
    }

    /** True if {@code s} lies in the DID namespace (so is no acceptable device id). */
    public static boolean inDidNamespace(String s) {
        return s != null && s.regionMatches(true, 0, DID_SCHEME, 0, DID_SCHEME.length());
    }

    /** Whether a wallet may use {@code clientId}: its DID, or its DID + {@code #} + 1-32 of A-Z a-z 0-9 . _ -. */
    public static boolean isOwnClientId(String did, String clientId) {
        if (clientId.equals(did)) {
            return true;
        }
        return clientId.length() > did.length() + 1 && clientId.startsWith(did) && clientId.charAt(did.length()) == '#'
                && SUFFIX.matcher(clientId).region(did.length() + 1, clientId.length()).matches();
    }
}
