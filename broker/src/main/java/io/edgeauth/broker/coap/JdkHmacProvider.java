package io.edgeauth.broker.coap;

import java.nio.ByteBuffer;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.Mac;
import javax.crypto.MacSpi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Scandium's HMAC on the JDK when the Amazon Corretto Crypto Provider is installed globally.
 *
 * <p>Why: Scandium computes the TLS PRF with a per-thread {@code Mac.getInstance("HmacSHA256")} (no provider
 * argument) and destroys each secret after use. ACCP 2.5.0's HMAC compares the previous key with the new one
 * on {@code init} ({@code Objects.equals(oldKey, newKey)}); the old key is Scandium's destroyed secret, whose
 * {@code equals} throws {@code IllegalStateException("secret destroyed!")}, so every second handshake on a
 * thread fails. Scandium has no provider setting for its HMAC, so when ACCP is the preferred HmacSHA* provider
 * {@link #protectScandium()} puts this small provider first: it only offers HmacSHA1/256/384/512 and delegates
 * each to SunJCE. Everything else (signatures, digests, AES-GCM) still resolves to ACCP. The broker itself does
 * not install ACCP globally (it hands it to signature verifiers), so normally this does nothing.
 */
public final class JdkHmacProvider extends Provider {
    public static final String NAME = "EdgeauthJdkHmac";
    private static final Logger LOG = LoggerFactory.getLogger(JdkHmacProvider.class);
    private static final String ACCP = "AmazonCorrettoCryptoProvider";
    private static final long serialVersionUID = 1L;

    public JdkHmacProvider() {
        super(NAME, "1.0", "HmacSHA* delegating to SunJCE (keeps Scandium's PRF off ACCP)");
        putService(new Service(this, "Mac", "HmacSHA1", Sha1.class.getName(), null, null));
        putService(new Service(this, "Mac", "HmacSHA256", Sha256.class.getName(), null, null));
        putService(new Service(this, "Mac", "HmacSHA384", Sha384.class.getName(), null, null));
        putService(new Service(this, "Mac", "HmacSHA512", Sha512.class.getName(), null, null));
    }

    /**
     * If ACCP is the JVM's preferred HmacSHA256 provider, installs this provider at position 1 (once) and
     * returns true; otherwise changes nothing and returns false.
     */
    public static synchronized boolean protectScandium() {
        if (Security.getProvider(NAME) != null || Security.getProvider("SunJCE") == null) {
            return false;
        }
        String preferred;
        try {
            preferred = Mac.getInstance("HmacSHA256").getProvider().getName();
        } catch (NoSuchAlgorithmException e) {
            return false;
        }
        if (!ACCP.equals(preferred)) {
            return false;
        }
        Security.insertProviderAt(new JdkHmacProvider(), 1);
        LOG.warn("{} is installed as the preferred HMAC provider; its HmacSHA* breaks Scandium DTLS handshakes "
                + "(\"secret destroyed!\"), so {} now serves HmacSHA1/256/384/512 from SunJCE", ACCP, NAME);
        return true;
    }

    /** Removes the provider again (tests). */
    public static synchronized void remove() {
        Security.removeProvider(NAME);
    }

    /** A Mac that forwards to SunJCE's implementation of the same algorithm. */
    abstract static class Delegating extends MacSpi {
        private final Mac delegate;

        Delegating(String algorithm) {
            try {
                this.delegate = Mac.getInstance(algorithm, "SunJCE");
            } catch (NoSuchAlgorithmException | NoSuchProviderException e) {
                throw new IllegalStateException("SunJCE has no " + algorithm, e);
            }
        }

        @Override
        protected int engineGetMacLength() {
            return delegate.getMacLength();
        }

        @Override
        protected void engineInit(Key key, AlgorithmParameterSpec params)
                throws InvalidKeyException, InvalidAlgorithmParameterException {
            delegate.init(key, params);
        }

        @Override
        protected void engineUpdate(byte input) {
            delegate.update(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            delegate.update(input, offset, len);
        }

        @Override
        protected void engineUpdate(ByteBuffer input) {
            delegate.update(input);
        }

        @Override
        protected byte[] engineDoFinal() {
            return delegate.doFinal();
        }

        @Override
        protected void engineReset() {
            delegate.reset();
        }
    }

    /** HmacSHA1. */
    public static final class Sha1 extends Delegating {
        public Sha1() {
            super("HmacSHA1");
        }
    }

    /** HmacSHA256. */
    public static final class Sha256 extends Delegating {
        public Sha256() {
            super("HmacSHA256");
        }
    }

    /** HmacSHA384. */
    public static final class Sha384 extends Delegating {
        public Sha384() {
            super("HmacSHA384");
        }
    }

    /** HmacSHA512. */
    public static final class Sha512 extends Delegating {
        public Sha512() {
            super("HmacSHA512");
        }
    }
}
