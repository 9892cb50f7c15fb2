package io.edgeauth.simulator.fleet;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Provider;
import java.security.Security;

/**
 * The JCA provider that signs the fleet's client assertions and issuer tokens: the Amazon Corretto Crypto
 * Provider (native) when it loads on this platform, else the JDK's SunEC. On JDK 17 SunEC's P-256 signature
 * costs ~0.5-1 ms of CPU (no precomputed base-point table), ACCP's ~40 µs: with the JDK a simulator spent
 * most of its CPU per device signing one assertion. ACCP is handed explicitly, never installed globally
 * (the broker found its HMAC to break Scandium's DTLS handshakes, see the broker's {@code CryptoProviders}).
 * The signatures are standard ES256/EdDSA either way. Thread-safe.
 */
public final class SignatureProviders {
    private static final Provider CHOSEN = choose();

    private SignatureProviders() {
    }

    /** ACCP if it loads here, else the JDK's EC provider. */
    public static Provider signing() {
        return CHOSEN;
    }

    /** True if {@link #signing()} is ACCP. */
    public static boolean isNative() {
        return CHOSEN != null && CHOSEN.getName().equals(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
    }

    private static Provider choose() {
        try {
            if (AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError() == null) {
                return AmazonCorrettoCryptoProvider.INSTANCE;
            }
        } catch (LinkageError e) {
            // the class is there but its native side cannot load on this OS/architecture: the JDK signs
        }
        Provider sunEc = Security.getProvider("SunEC");
        return sunEc != null ? sunEc : Security.getProviders("Signature.SHA256withECDSA")[0];
    }
}
