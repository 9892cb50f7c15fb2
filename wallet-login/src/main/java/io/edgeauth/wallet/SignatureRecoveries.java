package io.edgeauth.wallet;

import io.edgeauth.wallet.internal.NativeRecovery;
import io.edgeauth.wallet.internal.Web3jRecovery;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Factory for {@link SignatureRecovery}: native libsecp256k1 when it loads, web3j otherwise.
 *
 * <p>The native library is loaded once, lazily, on first use (class-holder idiom, so thread-safe
 * without locks) and the outcome is logged once at INFO (or WARN with the reason when it falls back).
 */
public final class SignatureRecoveries {
    private static final Logger LOG = LoggerFactory.getLogger(SignatureRecoveries.class);
    private static final SignatureRecovery WEB3J = new Web3jRecovery();
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private SignatureRecoveries() {
    }

    private static final class NativeHolder {
        static final SignatureRecovery NATIVE;
        static final Throwable FAILURE;

        static {
            SignatureRecovery n = null;
            Throwable f = null;
            try {
                n = NativeRecovery.load();
            } catch (Throwable t) {
                // LinkageError on unsupported platforms, IOException when the temp dir is not writable, ...
                f = t;
            }
            NATIVE = n;
            FAILURE = f;
        }
    }

    /** @return the native recovery when libsecp256k1 loads, else web3j; logs which one (once per JVM) */
    public static SignatureRecovery best() {
        boolean log = LOGGED.compareAndSet(false, true);
        if (NativeHolder.NATIVE != null) {
            if (log) {
                LOG.info("SIWE signature recovery: native libsecp256k1 (JNI)");
            }
            return NativeHolder.NATIVE;
        }
        if (log) {
            LOG.warn("SIWE signature recovery: web3j (pure Java) because native libsecp256k1 did not load: {}",
                    String.valueOf(NativeHolder.FAILURE));
        }
        return WEB3J;
    }

    /** @return true if native libsecp256k1 is loaded and working */
    public static boolean nativeAvailable() {
        return NativeHolder.NATIVE != null;
    }

    /**
     * @return the native recovery
     * @throws IllegalStateException when libsecp256k1 could not be loaded (with the reason as cause)
     */
    public static SignatureRecovery nativeRecovery() {
        if (NativeHolder.NATIVE == null) {
            throw new IllegalStateException("native libsecp256k1 is not available", NativeHolder.FAILURE);
        }
        return NativeHolder.NATIVE;
    }

    /** @return the pure-Java web3j recovery (always available) */
    public static SignatureRecovery web3j() {
        return WEB3J;
    }
}
