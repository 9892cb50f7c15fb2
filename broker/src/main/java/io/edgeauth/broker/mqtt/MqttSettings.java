package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.router.OverflowPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the MQTT edge needs from config. Ports: 0 binds an ephemeral port (read the real one from
 * {@link MqttEdge#port()} and friends), -1 disables the listener.
 *
 * @param host                 bind address
 * @param port                 plain MQTT over TCP (default 1883)
 * @param tlsPort              MQTT over TLS (default 8883); needs {@code tls}
 * @param tls                  key, certificate and trust store; null if no TLS listener
 * @param webSocketPort        MQTT over WebSocket; -1 to disable. Uses TLS when {@code webSocketTls}
 * @param webSocketTls         serve the WebSocket listener over TLS (wss) with {@code tls}
 * @param webSocketPath        must be {@code /mqtt}: vertx-mqtt 5.0.7 fixes the upgrade path to it
 * @param limits               input and queue limits
 * @param maxSessionExpiry     longest a persistent session is kept after its client went away
 * @param backpressureTimeout  longest a publisher stays paused for a congested subscriber before the
 *                             overflow policy takes over
 * @param abuseRule            over-rate refusals after which a client is disconnected (DISCONNECT 0x96)
 * @param connectTimeout       time allowed between TCP accept and CONNECT
 * @param maxSessionsPerPrincipal live MQTT sessions one principal (a device, a wallet) may hold at once; one more
 *                             is refused with CONNACK 0x97 quota exceeded (a device has one client id, so this
 *                             bounds wallets and their {@code <DID>#<suffix>} sessions)
 */
public record MqttSettings(
        String host,
        int port,
        int tlsPort,
        Tls tls,
        int webSocketPort,
        boolean webSocketTls,
        String webSocketPath,
        Limits limits,
        Duration maxSessionExpiry,
        Duration backpressureTimeout,
        AbuseRule abuseRule,
        Duration connectTimeout,
        int maxSessionsPerPrincipal) {

    /**
     * The abuse disconnect: a client whose messages were refused as over its rate plan {@code maxRefused} times
     * within one {@code window} is disconnected (MQTT 5 DISCONNECT 0x96 message rate too high; 3.1.1: closed).
     * Messages the plan lets through in between (its refills) do not reset the count, so a sustained over-rate
     * sender is disconnected whatever its plan refills. Config {@code mqtt.abuseThreshold}, {@code mqtt.abuseWindow}.
     */
    public record AbuseRule(int maxRefused, Duration window) {
        public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

        public AbuseRule {
            Objects.requireNonNull(window, "window");
            if (maxRefused < 1 || window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("mqtt abuse rule: abuseThreshold must be >= 1 and abuseWindow 1s..1h");
            }
        }
    }

    /** Default of {@code mqtt.maxSessionsPerPrincipal}. */
    public static final int DEFAULT_MAX_SESSIONS_PER_PRINCIPAL = 16;

    /** The path vertx-mqtt 5.0.7 accepts WebSocket upgrades on (not configurable there). */
    public static final String WEBSOCKET_PATH = "/mqtt";

    /** How a TLS listener treats client certificates. */
    public enum ClientAuth { NONE, REQUEST, REQUIRED }

    /**
     * TLS material. Key store: PKCS#12 ({@code .p12}/{@code .pfx}) or JKS with the server key and
     * certificate chain. Trust store (PKCS#12/JKS, or PEM {@code .pem}/{@code .crt}; may be null when clientAuth
     * is NONE): the CAs or certificates client certificates must chain to; it must not read as empty. CRL (PEM or
     * DER, null for none, needs the trust store): device certificates revoked by those CAs. All of it is read again
     * by {@link MqttEdge#reloadTls()}.
     */
    public record Tls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
                      ClientAuth clientAuth, Path crl) {
        public Tls {
            Objects.requireNonNull(keyStore, "keyStore");
            clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
            if (clientAuth != ClientAuth.NONE && trustStore == null) {
                throw new IllegalArgumentException("mqtt tls: clientAuth " + clientAuth + " needs a trust store");
            }
            if (crl != null && trustStore == null) {
                throw new IllegalArgumentException("mqtt tls: a CRL needs the trust store of the CAs that sign it");
            }
        }

        /** Without a CRL. */
        public Tls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
                   ClientAuth clientAuth) {
            this(keyStore, keyStorePassword, trustStore, trustStorePassword, clientAuth, null);
        }
    }

    /**
     * Input and queue limits; each refusal has its own reason code (see {@link MqttReasons}).
     *
     * @param maxPacketSize          bytes of one MQTT packet (the decoder closes the connection above it;
     *                               MQTT 5 clients are told in CONNACK)
     * @param maxTopicLength         characters of a topic name or filter (PUBACK 0x90 / SUBACK 0x8F)
     * @param maxTopicDepth          levels of a topic name or filter (same codes)
     * @param maxClientIdLength      characters of the client id (CONNACK 0x85 / return code 2)
     * @param maxPasswordSize        bytes of the token in CONNECT or AUTH (0x86 / return code 4)
     * @param maxSubscriptionsPerSession subscriptions one session may hold (SUBACK 0x97)
     * @param receiveMaximum         inflight window: unacknowledged QoS 1 deliveries per session, and the
     *                               receive maximum announced to MQTT 5 clients
     * @param queueLength            queued messages per online session (the subscriber bound)
     * @param offlineQueueLength     queued QoS 1 messages per offline persistent session (in memory)
     * @param overflowPolicy         what happens to QoS 1 at those bounds (QoS 0 is dropped)
     */
    public record Limits(int maxPacketSize, int maxTopicLength, int maxTopicDepth, int maxClientIdLength,
                         int maxPasswordSize, int maxSubscriptionsPerSession, int receiveMaximum,
                         int queueLength, int offlineQueueLength, OverflowPolicy overflowPolicy) {
        public Limits {
            if (maxPacketSize < 64 || maxTopicLength < 1 || maxTopicDepth < 1 || maxClientIdLength < 1
                    || maxPasswordSize < 1 || maxSubscriptionsPerSession < 1 || receiveMaximum < 1
                    || receiveMaximum > 65535 || queueLength < 1 || offlineQueueLength < 0) {
                throw new IllegalArgumentException("mqtt limits out of range");
            }
            overflowPolicy = overflowPolicy == null ? OverflowPolicy.DROP_OLDEST : overflowPolicy;
        }

        public static Limits defaults() {
            return new Limits(256 * 1024, 256, 16, 128, 8 * 1024, 64, 32, 1000, 1000, OverflowPolicy.DROP_OLDEST);
        }
    }

    public MqttSettings {
        Objects.requireNonNull(limits, "limits");
        host = host == null ? "0.0.0.0" : host;
        webSocketPath = webSocketPath == null ? WEBSOCKET_PATH : webSocketPath;
        if (!WEBSOCKET_PATH.equals(webSocketPath)) {
            throw new IllegalArgumentException("mqtt websocket path must be " + WEBSOCKET_PATH
                    + " (fixed by vertx-mqtt 5.0.7), got " + webSocketPath);
        }
        if ((tlsPort >= 0 || (webSocketPort >= 0 && webSocketTls)) && tls == null) {
            throw new IllegalArgumentException("mqtt tls listener needs tls settings");
        }
        maxSessionExpiry = maxSessionExpiry == null ? Duration.ofHours(1) : maxSessionExpiry;
        backpressureTimeout = backpressureTimeout == null ? Duration.ofSeconds(2) : backpressureTimeout;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
        Objects.requireNonNull(abuseRule, "abuseRule");
        if (maxSessionsPerPrincipal < 1) {
            throw new IllegalArgumentException("mqtt maxSessionsPerPrincipal must be positive");
        }
    }

    /** Plain TCP on the given port only, default limits (tests and development). */
    public static MqttSettings plain(int port) {
        return new MqttSettings("127.0.0.1", port, -1, null, -1, false, WEBSOCKET_PATH, Limits.defaults(),
                Duration.ofHours(1), Duration.ofSeconds(2), new AbuseRule(100, AbuseRule.DEFAULT_WINDOW), Duration.ofSeconds(10),
                DEFAULT_MAX_SESSIONS_PER_PRINCIPAL);
    }

    public MqttSettings withLimits(Limits newLimits) {
        return new MqttSettings(host, port, tlsPort, tls, webSocketPort, webSocketTls, webSocketPath, newLimits,
                maxSessionExpiry, backpressureTimeout, abuseRule, connectTimeout,
                maxSessionsPerPrincipal);
    }

    public MqttSettings withTls(int newTlsPort, Tls newTls) {
        return new MqttSettings(host, port, newTlsPort, newTls, webSocketPort, webSocketTls, webSocketPath, limits,
                maxSessionExpiry, backpressureTimeout, abuseRule, connectTimeout,
                maxSessionsPerPrincipal);
    }

    public MqttSettings withWebSocket(int newPort, boolean secure) {
        return new MqttSettings(host, port, tlsPort, tls, newPort, secure, webSocketPath, limits,
                maxSessionExpiry, backpressureTimeout, abuseRule, connectTimeout,
                maxSessionsPerPrincipal);
    }

    public MqttSettings withMaxSessionsPerPrincipal(int max) {
        return new MqttSettings(host, port, tlsPort, tls, webSocketPort, webSocketTls, webSocketPath, limits,
                maxSessionExpiry, backpressureTimeout, abuseRule, connectTimeout, max);
    }

    public MqttSettings withAbuseThreshold(int threshold) {
        return new MqttSettings(host, port, tlsPort, tls, webSocketPort, webSocketTls, webSocketPath, limits,
                maxSessionExpiry, backpressureTimeout, new AbuseRule(threshold, abuseRule.window()), connectTimeout,
                maxSessionsPerPrincipal);
    }
}
