package io.edgeauth.broker.config;

import io.edgeauth.broker.coap.CoapSettings;
import io.edgeauth.broker.mqtt.MqttSettings;
import io.edgeauth.broker.net.OpenFiles;
import io.edgeauth.broker.policy.ConfiguredRatePlans;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.router.OverflowPolicy;
import io.edgeauth.broker.tls.RevocationLists;
import io.edgeauth.broker.tls.TlsMaterialException;
import io.edgeauth.broker.tls.TrustAnchors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns the validated {@link BrokerConfig} into the protocol edges' own settings. */
public final class EdgeSettings {
    static final String PSK_MASTER_FILE = "coap-psk-master.key";
    /** The most DTLS connections Scandium's store is sized for here: {@code coap.maxSessions} is refused above it. */
    static final int MAX_COAP_SESSIONS = 5_000_000;

    private EdgeSettings() {
    }

    public static MqttSettings mqtt(BrokerConfig config) {
        BrokerConfig.Mqtt m = config.mqtt();
        MqttSettings.Tls tls = null;
        if (m.keyStore() != null) {
            MqttSettings.ClientAuth auth = MqttSettings.ClientAuth.valueOf(m.clientAuth().toUpperCase(Locale.ROOT));
            // never downgraded: the validator refuses request/required without a trust store, and Tls refuses it too
            tls = new MqttSettings.Tls(m.keyStore(), m.keyStorePassword(), m.trustStore(), m.trustStorePassword(),
                    auth, m.crl());
        }
        int maxPassword = maxMqttPassword(config.tokens().maxTokenBytes());
        // topic, client id and subscription limits: the edge's defaults
        MqttSettings.Limits limits = MqttSettings.Limits.builder().maxPacketSize(m.maxPacketSize())
                .maxPasswordSize(maxPassword).receiveMaximum(m.receiveMaximum()).queueLength(m.queueLength())
                .offlineQueueLength(m.offlineQueueLength()).overflowPolicy(OverflowPolicy.DROP_OLDEST)
                .maxConnections(m.maxConnections() > 0 ? m.maxConnections() : OpenFiles.mqttShare(OpenFiles.limit())).build();
        return MqttSettings.builder().host(m.host()).port(m.port()).tls(m.tlsPort(), tls)
                .webSocket(m.websocketPort(), tls != null).limits(limits)
                .abuseRule(new MqttSettings.AbuseRule(m.abuseThreshold(), m.abuseWindow()))
                .maxSessionsPerPrincipal(m.maxSessionsPerPrincipal()).connectTimeout(m.connectTimeout())
                .maxSessionExpiry(m.maxSessionExpiry()).build();
    }

    /** The largest MQTT password taken: a CWT may arrive base64url-encoded (vertx-mqtt decodes passwords as UTF-8). */
    static int maxMqttPassword(int maxTokenBytes) {
        return maxTokenBytes * 4 / 3 + 16;
    }

    /** The rate plans of {@code ratePlans} by name, the default for a plan this node lacks. */
    public static ConfiguredRatePlans ratePlans(BrokerConfig config) {
        Map<String, RatePlan> plans = new HashMap<>();
        config.ratePlans().forEach((name, p) -> plans.put(name,
                new RatePlan(name, p.messagesPerSecond(), p.burst(), p.bytesPerSecond())));
        return new ConfiguredRatePlans(plans, config.defaultRatePlan());
    }

    /** CoAP settings; reads (or on first start creates) the PSK master secret in the data directory. */
    public static CoapSettings coap(BrokerConfig config, Path dataDir) {
        BrokerConfig.Coap c = config.coap();
        CoapSettings s = CoapSettings.builder()
                .receiveBufferSize(c.receiveBufferBytes()).sendBufferSize(c.receiveBufferBytes())
                .connectionStoreSize(Math.min(c.maxSessions(), MAX_COAP_SESSIONS))
                .maxSessions(c.maxSessions()).maxTokenBytes(config.tokens().maxTokenBytes())
                .deduplicator(CoapSettings.Deduplicator.PEERS_MARK_AND_SWEEP)
                .dedupMessagesPerPeer(c.dedupExchangesPerPeer()).dedupLifetime(c.dedupLifetime())
                .maxPeersPerPrincipal(c.maxPeersPerPrincipal())
                .maxObservationsPerPrincipal(c.maxObservationsPerPrincipal())
                .commandRetention(c.commandRetention()).notificationMaxAge(c.notificationMaxAge())
                .maxBlockTransfers(c.maxBlockTransfers()).maxBlockTransfersPerPeer(c.maxBlockTransfersPerPeer())
                .blockwiseLifetime(c.blockwiseLifetime()).maxDedupExchanges(c.maxDedupExchanges())
                .build(); // connection ids (6 bytes) and the 64 KiB payload bound: the edge's defaults
        if (c.dtlsPort() >= 0) {
            s = s.withPsk(pskMaster(c.pskMasterSecretFile() != null ? c.pskMasterSecretFile()
                    : dataDir.resolve(PSK_MASTER_FILE), c.pskMasterSecretFile() == null));
            if (c.keyStore() != null) {
                KeyMaterial km = load(c.keyStore(), c.keyStorePassword());
                DeviceTrustFiles trust;
                try {
                    trust = coapDeviceTrust(config);
                } catch (TlsMaterialException e) {
                    throw new ConfigException(e.getMessage(), e);
                }
                s = s.withCertificates(km.key(), km.certificates(), trust.anchors(), c.rawPublicKeys())
                        .withRevocationLists(trust.crls());
            }
        }
        return s.withPorts(c.host(), c.port(), c.dtlsPort());
    }

    /** Device CA certificates and the CRLs of their revoked certificates, as read from the files now. */
    public record DeviceTrustFiles(List<X509Certificate> anchors, List<X509CRL> crls) { }

    /**
     * Reads {@code coap.trustStore} and {@code coap.crl} (at start-up and for a reload). A trust store that reads as
     * empty is refused: DTLS would otherwise quietly stop asking for device certificates.
     *
     * @throws TlsMaterialException naming the key and the file
     */
    public static DeviceTrustFiles coapDeviceTrust(BrokerConfig config) {
        BrokerConfig.Coap c = config.coap();
        if (c.trustStore() == null) {
            return new DeviceTrustFiles(List.of(), List.of());
        }
        List<X509Certificate> anchors = TrustAnchors.load("coap.trustStore", c.trustStore(), c.trustStorePassword());
        return new DeviceTrustFiles(anchors, c.crl() == null ? List.of() : RevocationLists.load("coap.crl", c.crl(), anchors));
    }

    /** The DTLS listener's own key and certificate chain (leaf first). */
    public record ServerIdentity(PrivateKey key, List<X509Certificate> chain) { }

    /**
     * Reads {@code coap.keyStore} again (for a reload).
     *
     * @throws TlsMaterialException naming the key and the file when it cannot be read or holds no key
     */
    public static ServerIdentity coapServerIdentity(BrokerConfig config) {
        BrokerConfig.Coap c = config.coap();
        KeyMaterial km;
        try {
            km = load(c.keyStore(), c.keyStorePassword());
        } catch (ConfigException e) {
            throw new TlsMaterialException("coap.keyStore: " + e.getMessage(), e);
        }
        if (km.key() == null || km.certificates().isEmpty()) {
            throw new TlsMaterialException("coap.keyStore: " + c.keyStore()
                    + " holds no private key with a certificate (the server's key and chain belong there)");
        }
        return new ServerIdentity(km.key(), km.certificates());
    }

    private static byte[] pskMaster(Path file, boolean createIfMissing) {
        try {
            if (!Files.exists(file)) {
                if (!createIfMissing) {
                    throw new ConfigException("coap.pskMasterSecretFile: " + file + " does not exist");
                }
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                Files.write(file, secret);
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // non-POSIX file system: the data directory's mode protects it
                }
            }
            byte[] secret = Files.readAllBytes(file);
            if (secret.length < 16) {
                throw new ConfigException("coap.pskMasterSecretFile: " + file + " holds fewer than 16 bytes");
            }
            return secret;
        } catch (IOException e) {
            throw new ConfigException("coap.pskMasterSecretFile: cannot read or create " + file + ": " + e.getMessage(), e);
        }
    }

    private record KeyMaterial(PrivateKey key, List<X509Certificate> certificates) { }

    private static KeyMaterial load(Path file, String password) {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance(file.toString().endsWith(".jks") ? "JKS" : "PKCS12");
            ks.load(in, pw);
            PrivateKey key = null;
            List<X509Certificate> certs = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                if (key == null && ks.isKeyEntry(alias)) {
                    key = (PrivateKey) ks.getKey(alias, pw);
                    for (Certificate cert : ks.getCertificateChain(alias)) {
                        certs.add((X509Certificate) cert);
                    }
                } else if (ks.isCertificateEntry(alias)) {
                    certs.add((X509Certificate) ks.getCertificate(alias));
                }
            }
            return new KeyMaterial(key, certs);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new ConfigException("cannot load key store " + file + ": " + e.getMessage(), e);
        }
    }
}
