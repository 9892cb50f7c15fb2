package io.edgeauth.broker.config;

import io.edgeauth.broker.coap.CoapSettings;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The {@code mqtt.*} and {@code coap.*} part of {@link ConfigValidator}: listeners, their TLS material and limits. */
final class ListenerSettingsCheck {
    /** A CONNECT's bytes besides its password: protocol header, properties, a client id and user name. */
    static final int CONNECT_OVERHEAD = 256;

    private ListenerSettingsCheck() {
    }

    static void check(List<String> errors, BrokerConfig c) {
        BrokerConfig.Mqtt m = c.mqtt();
        BrokerConfig.Coap co = c.coap();
        HostNames.checkHost(errors, "mqtt.host", m.host());
        HostNames.checkHost(errors, "coap.host", co.host());
        ConfigValidator.port(errors, "mqtt.port", m.port(), true);
        ConfigValidator.port(errors, "mqtt.tlsPort", m.tlsPort(), true);
        ConfigValidator.port(errors, "mqtt.websocketPort", m.websocketPort(), true);
        ConfigValidator.port(errors, "coap.port", co.port(), true);
        ConfigValidator.port(errors, "coap.dtlsPort", co.dtlsPort(), true);
        if (!Set.of("none", "request", "required").contains(m.clientAuth())) {
            errors.add("mqtt.clientAuth: expected none, request or required, got '" + m.clientAuth() + "'");
        }
        if (m.tlsPort() >= 0 && m.keyStore() == null) {
            errors.add("mqtt.tlsPort: a TLS listener needs mqtt.keyStore (PKCS#12 or .jks with the server key)");
        }
        // the WebSocket listener is TLS whenever mqtt.keyStore is set: clientAuth applies there as on tlsPort
        if (!m.clientAuth().equals("none") && mqttTlsListener(m) && m.trustStore() == null) {
            errors.add("mqtt.trustStore: mqtt.clientAuth " + m.clientAuth()
                    + " needs the CA certificates of device certificates on the TLS listeners (mqtt.tlsPort, and"
                    + " mqtt.websocketPort with mqtt.keyStore), or set clientAuth: none");
        }
        unusedTlsMaterial(errors, c);
        if (m.crl() != null && (m.trustStore() == null || m.keyStore() == null)) {
            errors.add("mqtt.crl: a CRL needs mqtt.keyStore (a TLS listener) and mqtt.trustStore (the CAs whose"
                    + " revocations it lists)");
        }
        if (co.crl() != null && (co.trustStore() == null || co.keyStore() == null)) {
            errors.add("coap.crl: a CRL needs coap.keyStore (DTLS certificates) and coap.trustStore (the CAs whose"
                    + " revocations it lists)");
        }
        ConfigValidator.positive(errors, "mqtt.maxPacketSize", m.maxPacketSize(), 128, 268_435_455);
        int connect = EdgeSettings.maxMqttPassword(c.tokens().maxTokenBytes()) + CONNECT_OVERHEAD;
        boolean mqttOn = m.port() >= 0 || m.tlsPort() >= 0 || m.websocketPort() >= 0;
        if (mqttOn && m.maxPacketSize() >= 128 && m.maxPacketSize() < connect) {
            errors.add("mqtt.maxPacketSize: " + m.maxPacketSize() + " cannot hold a CONNECT carrying a token of"
                    + " tokens.maxTokenBytes (" + c.tokens().maxTokenBytes() + "): expected at least " + connect
                    + ", or lower tokens.maxTokenBytes");
        }
        ConfigValidator.positive(errors, "mqtt.receiveMaximum", m.receiveMaximum(), 1, 65_535);
        ConfigValidator.positive(errors, "mqtt.queueLength", m.queueLength(), 1, 10_000_000);
        ConfigValidator.positive(errors, "mqtt.offlineQueueLength", m.offlineQueueLength(), 0, 10_000_000);
        ConfigValidator.positive(errors, "mqtt.abuseThreshold", m.abuseThreshold(), 1, 1_000_000);
        ConfigValidator.positive(errors, "mqtt.maxSessionsPerPrincipal", m.maxSessionsPerPrincipal(), 1, 100_000);
        ConfigValidator.positive(errors, "mqtt.maxConnections", m.maxConnections(), 0, 100_000_000);
        int retainedPerTenant = m.maxRetainedPerTenant();
        ConfigValidator.positive(errors, "mqtt.maxRetainedPerTenant", retainedPerTenant, 1, 1_000_000);
        if (retainedPerTenant >= 1 && retainedPerTenant <= 1_000_000) { // a device's share is part of its tenant's
            int perDevice = m.maxRetainedPerDevice();
            if (perDevice < 1 || perDevice > retainedPerTenant) {
                errors.add("mqtt.maxRetainedPerDevice: expected 1 to " + retainedPerTenant
                        + " (mqtt.maxRetainedPerTenant), got " + perDevice);
            }
        }
        Duration abuseWindow = m.abuseWindow();
        if (abuseWindow == null || abuseWindow.compareTo(Duration.ofSeconds(1)) < 0
                || abuseWindow.compareTo(Duration.ofHours(1)) > 0) {
            errors.add("mqtt.abuseWindow: expected a duration from 1s to 1h, got " + Durations.format(abuseWindow));
        }
        Duration connectTimeout = m.connectTimeout();
        if (connectTimeout == null || connectTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || connectTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
            errors.add("mqtt.connectTimeout: expected a duration from 1s to 5m, got " + Durations.format(connectTimeout));
        }
        Duration sessionExpiry = m.maxSessionExpiry();
        if (sessionExpiry == null || sessionExpiry.isNegative() || sessionExpiry.compareTo(Duration.ofDays(30)) > 0) {
            errors.add("mqtt.maxSessionExpiry: expected a duration from 0s to 30d, got " + Durations.format(sessionExpiry));
        }
        ConfigValidator.positive(errors, "coap.maxSessions", co.maxSessions(), 1, EdgeSettings.MAX_COAP_SESSIONS);
        ConfigValidator.positive(errors, "coap.receiveBufferBytes", co.receiveBufferBytes(), 65_536, 1 << 30);
        ConfigValidator.positive(errors, "coap.dedupExchangesPerPeer", co.dedupExchangesPerPeer(), 4, 1024);
        ConfigValidator.positive(errors, "coap.maxPeersPerPrincipal", co.maxPeersPerPrincipal(), 1,
                Math.max(1, Math.min(10_000, co.maxSessions())));
        ConfigValidator.positive(errors, "coap.maxObservationsPerPrincipal", co.maxObservationsPerPrincipal(), 1, 10_000);
        ConfigValidator.positive(errors, "coap.maxBlockTransfers", co.maxBlockTransfers(), 1, 100_000);
        ConfigValidator.positive(errors, "coap.maxBlockTransfersPerPeer", co.maxBlockTransfersPerPeer(), 1,
                Math.max(1, co.maxBlockTransfers()));
        ConfigValidator.positive(errors, "coap.maxDedupExchanges", co.maxDedupExchanges(), 0, 100_000_000);
        Duration blockwise = co.blockwiseLifetime();
        if (blockwise == null || blockwise.compareTo(CoapSettings.MIN_BLOCKWISE_LIFETIME) < 0
                || blockwise.compareTo(CoapSettings.MAX_BLOCKWISE_LIFETIME) > 0) {
            errors.add("coap.blockwiseLifetime: must be " + CoapSettings.MIN_BLOCKWISE_LIFETIME.toSeconds() + "s.."
                    + CoapSettings.MAX_BLOCKWISE_LIFETIME.toSeconds() + "s, got " + Durations.format(blockwise));
        }
        Duration dedup = co.dedupLifetime();
        if (dedup == null || dedup.compareTo(CoapSettings.MIN_DEDUP_LIFETIME) < 0
                || dedup.compareTo(CoapSettings.MAX_DEDUP_LIFETIME) > 0) {
            errors.add("coap.dedupLifetime: must be " + CoapSettings.MIN_DEDUP_LIFETIME.toSeconds() + "s.."
                    + CoapSettings.MAX_DEDUP_LIFETIME.toSeconds() + "s (a CON is retransmitted for up to 45 s), got "
                    + Durations.format(dedup));
        }
        Duration retention = co.commandRetention();
        if (retention == null || retention.isNegative()
                || retention.compareTo(CoapSettings.MAX_COMMAND_RETENTION) > 0) {
            errors.add("coap.commandRetention: must be 0s.." + CoapSettings.MAX_COMMAND_RETENTION.toHours()
                    + "h, got " + Durations.format(retention));
        }
        Duration maxAge = co.notificationMaxAge();
        if (maxAge == null || maxAge.toSeconds() < 1 || maxAge.compareTo(CoapSettings.MAX_NOTIFICATION_MAX_AGE) > 0) {
            errors.add("coap.notificationMaxAge: must be 1s.." + CoapSettings.MAX_NOTIFICATION_MAX_AGE.toHours()
                    + "h, got " + Durations.format(maxAge));
        } else if (!Durations.wholeSeconds(maxAge)) {
            errors.add("coap.notificationMaxAge: expected whole seconds (CoAP's Max-Age option counts seconds), got "
                    + Durations.format(maxAge));
        } else if (retention != null && !retention.isZero() && retention.compareTo(maxAge) < 0) {
            errors.add("coap.commandRetention: must be 0s or at least coap.notificationMaxAge (" + maxAge.toSeconds()
                    + "s): a device that missed a notification registers again only when Max-Age passes, got "
                    + Durations.format(retention));
        }
    }

    /** Key and trust stores that no listener would read: they would be accepted and do nothing. */
    private static void unusedTlsMaterial(List<String> errors, BrokerConfig c) {
        BrokerConfig.Mqtt m = c.mqtt();
        if (m.keyStore() != null && m.tlsPort() < 0 && m.websocketPort() < 0) {
            errors.add("mqtt.keyStore: no listener uses it: set mqtt.tlsPort (e.g. 8883) or mqtt.websocketPort,"
                    + " or remove mqtt.keyStore");
        }
        if (m.trustStore() != null && !mqttTlsListener(m)) {
            errors.add("mqtt.trustStore: there is no MQTT TLS listener to ask for device certificates: set"
                    + " mqtt.keyStore and mqtt.tlsPort (or mqtt.websocketPort), or remove mqtt.trustStore");
        }
        if (m.clientAuth().equals("none") && (m.trustStore() != null || m.crl() != null)) {
            errors.add("mqtt.trustStore: mqtt.clientAuth none asks no device for a certificate, so the trust store and"
                    + " CRL are never read: set clientAuth request or required, or remove them");
        }
        passwordWithoutStore(errors, "mqtt.keyStorePassword", m.keyStorePassword(), m.keyStore());
        passwordWithoutStore(errors, "mqtt.trustStorePassword", m.trustStorePassword(), m.trustStore());
        BrokerConfig.HttpTls h = c.http().tls();
        if (h.port() < 0) {
            String why = ": only the HTTPS listener reads it, and http.tls.port is -1 (off): set http.tls.port or remove it";
            if (h.keyStore() != null) {
                errors.add("http.tls.keyStore" + why);
            }
            if (h.trustStore() != null) {
                errors.add("http.tls.trustStore" + why);
            }
            if (h.crl() != null) {
                errors.add("http.tls.crl" + why);
            }
        }
        passwordWithoutStore(errors, "http.tls.keyStorePassword", h.keyStorePassword(), h.keyStore());
        passwordWithoutStore(errors, "http.tls.trustStorePassword", h.trustStorePassword(), h.trustStore());
        BrokerConfig.Coap co = c.coap();
        if (co.pskMasterSecretFile() != null && co.dtlsPort() < 0) {
            errors.add("coap.pskMasterSecretFile: only DTLS uses it, and coap.dtlsPort is -1 (off): set coap.dtlsPort"
                    + " or remove it");
        }
        passwordWithoutStore(errors, "coap.keyStorePassword", co.keyStorePassword(), co.keyStore());
        if (co.keyStore() != null && co.dtlsPort() < 0) {
            errors.add("coap.keyStore: only DTLS uses it, and coap.dtlsPort is -1 (off): set coap.dtlsPort or remove"
                    + " coap.keyStore");
        }
        if ((co.trustStore() != null || co.trustStorePassword() != null && !co.trustStorePassword().isEmpty()) && co.keyStore() == null) {
            errors.add("coap.trustStore: device certificates are asked for only by DTLS with coap.keyStore (the"
                    + " server's key and chain): set coap.keyStore, or remove coap.trustStore and its password");
        }
    }

    /** A password for a store that is not set (the value is never echoed). */
    private static void passwordWithoutStore(List<String> errors, String key, String password, java.nio.file.Path store) {
        if (password != null && !password.isEmpty() && store == null) {
            errors.add(key + ": there is no " + key.replace("Password", "") + " it would open: set it or remove the password");
        }
    }

    /** Whether an MQTT listener uses TLS: the TLS port, or the WebSocket port once a key store is set. */
    static boolean mqttTlsListener(BrokerConfig.Mqtt m) {
        return m.tlsPort() >= 0 || m.websocketPort() >= 0 && m.keyStore() != null;
    }
}
