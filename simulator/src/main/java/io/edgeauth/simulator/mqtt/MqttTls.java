package io.edgeauth.simulator.mqtt;

import io.edgeauth.simulator.fleet.FleetCa;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * TLS for the simulator's MQTT connections: one shared client context (server authenticated against {@code caFile},
 * or not at all when it is null: the simulator tests the broker's client authentication), and for mutual TLS a
 * context per device whose certificate the fleet CA signs over the device's own key when its session starts.
 * Thread-safe.
 */
public final class MqttTls {
    private final File caFile;
    private final SslContext shared;
    private final FleetCa ca;
    private final Function<String, KeyPair> deviceKeys;

    /**
     * @param caFile     PEM of the CA(s) that signed the broker's certificate, or null to accept any server certificate
     * @param ca         the fleet CA for client certificates (mutual TLS), or null for server-only TLS
     * @param deviceKeys a device id's key pair (mutual TLS), or null
     */
    public MqttTls(File caFile, FleetCa ca, Function<String, KeyPair> deviceKeys) throws SSLException {
        this.caFile = caFile;
        this.ca = ca;
        this.deviceKeys = deviceKeys;
        this.shared = trust(SslContextBuilder.forClient()).build();
    }

    private SslContextBuilder trust(SslContextBuilder b) {
        return caFile != null ? b.trustManager(caFile) : b.trustManager(InsecureTrustManagerFactory.INSTANCE);
    }

    /** The context for {@code deviceId}'s connection: with its certificate under mutual TLS, else the shared one. */
    public SslContext forDevice(String deviceId) {
        if (ca == null || deviceKeys == null) {
            return shared;
        }
        KeyPair key = deviceKeys.apply(deviceId);
        X509Certificate[] chain = {ca.deviceCertificate(deviceId, key.getPublic()), ca.certificate()};
        try {
            return trust(SslContextBuilder.forClient().keyManager(key.getPrivate(), chain)).build();
        } catch (SSLException e) {
            throw new IllegalStateException("TLS context for " + deviceId, e);
        }
    }

    /** The context for a connection that presents no certificate (the observer). */
    public SslContext withoutCertificate() {
        return shared;
    }

    public boolean mutual() {
        return ca != null;
    }
}
