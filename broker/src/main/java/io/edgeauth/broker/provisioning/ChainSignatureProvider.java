package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.crypto.CryptoProviders;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.Map;

/**
 * Lets the JDK's PKIX validator check certificate signatures with the broker's signature provider (ACCP,
 * several times faster than SunEC for ECDSA): PKIX takes a signature provider only by its registered
 * name, and ACCP is deliberately not installed globally ({@link CryptoProviders}). This provider offers
 * nothing but ECDSA verification (SHA-256/384/512), delegating to ACCP; it is appended last, so no code
 * that does not name it ever gets it. Null name when ACCP is unavailable (PKIX then uses the JDK).
 */
final class ChainSignatureProvider extends Provider {
    static final String NAME = "EdgeauthChainSignatures";
    private static final String NAME_IF_INSTALLED = install();

    private ChainSignatureProvider(Provider accp) {
        super(NAME, "1.0", "ECDSA certificate signature checks through the broker's signature provider");
        for (String alg : List.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA")) {
            putService(new Service(this, "Signature", alg, "unused", List.of(), Map.of()) {
                @Override
                public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
                    return java.security.Signature.getInstance(alg, accp); // a Signature is a SignatureSpi
                }
            });
        }
    }

    /** The provider name to hand PKIX, or null to let it use the JDK's. */
    static String name() {
        return NAME_IF_INSTALLED;
    }

    private static synchronized String install() {
        try {
            CryptoProviders crypto = CryptoProviders.select(true);
            if (!crypto.isAccp()) {
                return null;
            }
            if (Security.getProvider(NAME) == null) {
                Security.addProvider(new ChainSignatureProvider(crypto.signatureProvider()));
            }
            return NAME;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
