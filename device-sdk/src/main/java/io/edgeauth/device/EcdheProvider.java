package io.edgeauth.device;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JCA provider with two services only, {@code KeyPairGenerator.EC} and {@code KeyAgreement.ECDH}, each served by
 * another provider (typically a native one such as the Amazon Corretto Crypto Provider): the ephemeral ECDH of
 * DTLS ECDHE handshakes in that provider's code.
 *
 * <p>Why a provider installed at JCA position 1: Scandium creates the ephemeral key pair and the premaster secret
 * of an ECDHE handshake with {@code KeyPairGenerator.getInstance("EC")} and {@code KeyAgreement.getInstance("ECDH")},
 * with no provider argument and no setting for one. On JDK 17 SunEC's pure-Java P-256 takes about 3.2 ms for the
 * pair and the agreement, ACCP about 0.11 ms (measured here), so an ECDHE-PSK handshake costs each side several ms
 * of CPU against under 1 ms for plain PSK. Installing the whole native provider instead would also move HMAC,
 * signatures and ciphers, and ACCP's HMAC breaks Scandium's PRF; this provider hands out nothing but the two
 * services, so everything else resolves as before.
 *
 * <p>Both are standard P-256 (and P-384, P-521) operations with the same results. A curve the source provider does
 * not know falls through to the next provider: the JCA tries the next one when {@code initialize} or {@code init}
 * of these delayed-selection objects fails. Once installed the whole JVM gets the delegated EC key pairs and
 * ECDH. Thread-safe.
 */
public final class EcdheProvider extends Provider {
    /** The provider's name in {@link Security}. */
    public static final String NAME = "EdgeauthEcdhe";
    private static final Logger LOG = LoggerFactory.getLogger(EcdheProvider.class);
    private static final long serialVersionUID = 1L;

    private EcdheProvider(Service keyPairs, Service agreement) {
        super(NAME, "1.0", "EC key pairs and ECDH from " + keyPairs.getProvider().getName() + " (ECDHE for Scandium)");
        putService(new Delegated(this, keyPairs));
        putService(new Delegated(this, agreement));
    }

    /**
     * Installs the provider at position 1, serving EC key pairs and ECDH from {@code source}, unless it is
     * installed already.
     *
     * @param source the provider that computes them, e.g. {@code AmazonCorrettoCryptoProvider.INSTANCE}
     * @return true if this call installed it; false if it was installed or {@code source} lacks either service
     */
    public static synchronized boolean install(Provider source) {
        if (Security.getProvider(NAME) != null) {
            return false;
        }
        Service keyPairs = source.getService("KeyPairGenerator", "EC");
        Service agreement = source.getService("KeyAgreement", "ECDH");
        if (keyPairs == null || agreement == null) {
            LOG.warn("{} offers no EC key pairs or no ECDH; ECDHE stays where it was", source.getName());
            return false;
        }
        Security.insertProviderAt(new EcdheProvider(keyPairs, agreement), 1);
        LOG.info("ECDHE key pairs and agreements now from {} ({} installed first)", source.getName(), NAME);
        return true;
    }

    /** True if the provider is installed in this JVM. */
    public static boolean installed() {
        return Security.getProvider(NAME) != null;
    }

    /** Removes the provider again (tests and benchmarks). */
    public static synchronized void remove() {
        Security.removeProvider(NAME);
    }

    /**
     * One of the source provider's services under this provider. A native provider's implementation classes need
     * not be public, so the service hands out an instance its own service created instead of naming a class.
     */
    private static final class Delegated extends Service {
        private final Service target;

        Delegated(Provider owner, Service target) {
            super(owner, target.getType(), target.getAlgorithm(), target.getClassName(), null, null);
            this.target = target;
        }

        @Override
        public Object newInstance(Object constructorParameter) throws NoSuchAlgorithmException {
            return target.newInstance(constructorParameter);
        }

        @Override
        public boolean supportsParameter(Object parameter) {
            return target.supportsParameter(parameter);
        }
    }
}
