package io.edgeauth.broker.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.edgeauth.device.DtlsEcProvider;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import javax.crypto.Mac;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which JCA provider computes token signatures: Amazon Corretto Crypto Provider (ACCP) when
 * enabled and loadable on this platform, otherwise the JDK's own providers.
 *
 * <p>ACCP is deliberately <b>not</b> installed globally ({@code Security.insertProviderAt}): installed
 * for every algorithm, ACCP 2.5.0's HMAC breaks Scandium DTLS handshakes ("secret destroyed!"). It is
 * handed explicitly to token signature code only. HMAC for tokens always uses the JDK (SunJCE): it is
 * cheap either way, and it keeps ACCP's Mac out of every code path.
 *
 * <p>Immutable and thread-safe. The JDK path names the JDK providers explicitly (SunEC, SunRsaSign,
 * SunJCE) so it stays the JDK even if someone else installs ACCP globally.
 */
public final class CryptoProviders {
    private static final Logger LOG = LoggerFactory.getLogger(CryptoProviders.class);

    /** Name reported by {@link #activeProviderName()} on the JDK path. */
    public static final String JDK_NAME = "JDK";

    private final Provider accp; // null: JDK path

    private CryptoProviders(Provider accp) {
        this.accp = accp;
    }

    /**
     * The production choice: ACCP if {@code accpEnabled} and it loads here, else the JDK (logged once).
     *
     * @param accpEnabled config switch ({@code crypto.accp}, default true)
     */
    public static CryptoProviders select(boolean accpEnabled) {
        if (!accpEnabled) {
            LOG.info("token signature provider: JDK (ACCP disabled by configuration)");
            return jdk();
        }
        Throwable error = accpLoadingError();
        if (error != null) {
            LOG.warn("token signature provider: JDK (ACCP not available on this platform: {})", error.toString());
            return jdk();
        }
        LOG.info("token signature provider: {}", AmazonCorrettoCryptoProvider.INSTANCE.getName());
        return new CryptoProviders(AmazonCorrettoCryptoProvider.INSTANCE);
    }

    /** Always the JDK providers (tests, benchmarks, or ACCP disabled). */
    public static CryptoProviders jdk() {
        return new CryptoProviders(null);
    }

    /** Always ACCP; fails if it cannot load here (tests and benchmarks only). */
    public static CryptoProviders accp() {
        Throwable error = accpLoadingError();
        if (error != null) {
            throw new IllegalStateException("ACCP is not available: " + error, error);
        }
        return new CryptoProviders(AmazonCorrettoCryptoProvider.INSTANCE);
    }

    /**
     * Makes ACCP the source of every EC key pair, ECDH agreement and ECDSA signature asked for without a provider
     * in this JVM, if it loads here: Scandium's DTLS handshakes then cost a fraction of what the JDK's pure-Java
     * P-256 costs (see {@link DtlsEcProvider}). HMAC and ciphers stay where they were.
     *
     * @return true if this call installed it
     */
    public static boolean installNativeDtlsEc() {
        Throwable error = accpLoadingError();
        if (error != null) {
            LOG.warn("DTLS EC operations stay on the JDK (ACCP not available on this platform: {})", error.toString());
            return false;
        }
        return DtlsEcProvider.install(AmazonCorrettoCryptoProvider.INSTANCE);
    }

    /** True if ACCP's native library loads on this platform. */
    public static boolean accpAvailable() {
        return accpLoadingError() == null;
    }

    private static Throwable accpLoadingError() {
        try {
            return AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
        } catch (LinkageError e) { // class present but native side unusable on this OS/arch
            return e;
        }
    }

    /** {@code AmazonCorrettoCryptoProvider} or {@value #JDK_NAME}: for health output and metric labels. */
    public String activeProviderName() {
        return accp != null ? accp.getName() : JDK_NAME;
    }

    public boolean isAccp() {
        return accp != null;
    }

    /** The provider for signatures, or null on the JDK path (then {@link #signature} picks the JDK one). */
    public Provider signatureProvider() {
        return accp;
    }

    /** A fresh, uninitialised {@link Signature} for a JCA algorithm name from the chosen provider. */
    public Signature signature(String jcaName) throws NoSuchAlgorithmException {
        if (accp != null) {
            return Signature.getInstance(jcaName, accp);
        }
        Provider jdk = Security.getProvider(jcaName.contains("RSA") ? "SunRsaSign" : "SunEC");
        return jdk != null ? Signature.getInstance(jcaName, jdk) : Signature.getInstance(jcaName);
    }

    /** A fresh HMAC from the JDK (SunJCE), whatever the signature provider is (see class comment). */
    public Mac mac(String jcaName) throws NoSuchAlgorithmException {
        Provider sunJce = Security.getProvider("SunJCE");
        return sunJce != null ? Mac.getInstance(jcaName, sunJce) : Mac.getInstance(jcaName);
    }

    @Override
    public String toString() {
        return "CryptoProviders[" + activeProviderName() + "]";
    }
}
