package io.edgeauth.device.internal;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/** Trust and key managers for the MQTT client's TLS, from what the builder was given. Not part of the API. */
public final class TlsMaterial {
    private TlsMaterial() {
    }

    /** Trust managers that trust the certificates in {@code trustStore}. */
    public static TrustManagerFactory trusting(KeyStore trustStore) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore);
            return tmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("unusable trust store", e);
        }
    }

    /** Key managers that present this key and certificate chain (mutual TLS). */
    public static KeyManagerFactory presenting(PrivateKey key, X509Certificate... chain) {
        try {
            char[] pw = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("device", key, pw, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("unusable client key or certificate", e);
        }
    }

    /** HiveMQ's TLS configuration; null managers mean the JVM's defaults. */
    public static MqttClientSslConfig sslConfig(TrustManagerFactory trust, KeyManagerFactory keys) {
        MqttClientSslConfigBuilder sb = MqttClientSslConfig.builder();
        if (trust != null) {
            sb.trustManagerFactory(trust);
        }
        if (keys != null) {
            sb.keyManagerFactory(keys);
        }
        return sb.build();
    }
}
