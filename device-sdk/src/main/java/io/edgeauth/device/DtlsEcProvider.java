package io.edgeauth.device;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JCA provider with the elliptic-curve operations of a DTLS handshake only, each served by another provider
 * (typically a native one such as the Amazon Corretto Crypto Provider): EC key pairs and ECDH (the ephemeral
 * exchange of every ECDHE suite) and ECDSA signatures with SHA-256/384/512 (certificates, raw public keys and the
 * handshake's signed messages).
 *
 * <p>Why a provider installed at JCA position 1: Scandium asks for these with {@code KeyPairGenerator.getInstance("EC")},
 * {@code KeyAgreement.getInstance("ECDH")} and {@code Signature.getInstance("SHA256withECDSA")}, with no provider
 * argument and no setting for one, and so does the JDK's certificate path validation. On JDK 17 SunEC's pure-Java
 * P-256 takes about 3.2 ms for an ephemeral pair and agreement and milliseconds per signature check, ACCP about
 * 0.11 ms for the pair and agreement (measured here). Installing the whole native provider instead would also move
 * HMAC and ciphers, and ACCP's HMAC breaks Scandium's PRF; this provider hands out nothing else, so everything else
 * resolves as before.
 *
 * <p>The operations are standard (same keys, same signatures, same secrets). A curve or key the source provider
 * does not take falls through to the next provider: the JCA tries the next one when {@code initialize} or
 * {@code init} of these delayed-selection objects fails. Once installed the whole JVM gets them. Thread-safe.
 */
public final class DtlsEcProvider extends Provider {
    /** The provider's name in {@link Security}. */
    public static final String NAME = "EdgeauthDtlsEc";
    private static final Logger LOG = LoggerFactory.getLogger(DtlsEcProvider.class);
    private static final long serialVersionUID = 1L;
    private static final String[][] REQUIRED = {{"KeyPairGenerator", "EC"}, {"KeyAgreement", "ECDH"}};
    private static final String[][] SIGNATURES = {{"Signature", "SHA256withECDSA"}, {"Signature", "SHA384withECDSA"},
            {"Signature", "SHA512withECDSA"}};

    private final String source;

    private DtlsEcProvider(String source, List<Service> services) {
        super(NAME, "1.0", "EC key pairs, ECDH and ECDSA from " + source + " (for Scandium's DTLS handshakes)");
        this.source = source;
        for (Service s : services) {
            putService(new Delegated(this, s));
        }
    }

    /**
     * Installs the provider at position 1, serving EC key pairs, ECDH and the ECDSA signatures {@code source} has
     * from {@code source}, unless it is installed already.
     *
     * @param source the provider that computes them, e.g. {@code AmazonCorrettoCryptoProvider.INSTANCE}
     * @return true if this call installed it; false if it was installed or {@code source} lacks EC key pairs or ECDH
     */
    public static synchronized boolean install(Provider source) {
        if (Security.getProvider(NAME) != null) {
            return false;
        }
        List<Service> services = new ArrayList<>();
        for (String[] typeAndAlgorithm : REQUIRED) {
            Service s = source.getService(typeAndAlgorithm[0], typeAndAlgorithm[1]);
            if (s == null) {
                LOG.warn("{} offers no {}.{}; the JDK keeps the EC operations", source.getName(), typeAndAlgorithm[0],
                        typeAndAlgorithm[1]);
                return false;
            }
            services.add(s);
        }
        for (String[] typeAndAlgorithm : SIGNATURES) {
            Service s = source.getService(typeAndAlgorithm[0], typeAndAlgorithm[1]);
            if (s != null) {
                services.add(s);
            }
        }
        Security.insertProviderAt(new DtlsEcProvider(source.getName(), services), 1);
        LOG.info("EC key pairs, ECDH and {} ECDSA signature algorithms now from {} ({} installed first)",
                services.size() - REQUIRED.length, source.getName(), NAME);
        return true;
    }

    /** True if the provider is installed in this JVM. */
    public static boolean installed() {
        return Security.getProvider(NAME) != null;
    }

    /** The name of the provider that serves the EC operations if this one is installed, else empty. */
    public static java.util.Optional<String> sourceName() {
        return Security.getProvider(NAME) instanceof DtlsEcProvider p ? java.util.Optional.of(p.source)
                : java.util.Optional.empty();
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
