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
                         int queueLength, int offlineQueueLength, OverflowPolicy overflowPolicy, int maxConnections) {
        public Limits {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("mqtt maxConnections must be positive");
            }
            if (maxPacketSize < 64 || maxTopicLength < 1 || maxTopicDepth < 1 || maxClientIdLength < 1
                    || maxPasswordSize < 1 || maxSubscriptionsPerSession < 1 || receiveMaximum < 1
                    || receiveMaximum > 65535 || queueLength < 1 || offlineQueueLength < 0) {
                throw new IllegalArgumentException("mqtt limits out of range");
            }
            overflowPolicy = overflowPolicy == null ? OverflowPolicy.DROP_OLDEST : overflowPolicy;
        }

        public static Limits defaults() {
            return builder().build();
        }

        /** A builder starting from the defaults. */
        public static Builder builder() {
            return new Builder();
        }

        /** Named limits, each starting at its default; not thread-safe. */
        public static final class Builder {
            private int maxPacketSize = 256 * 1024;
            private int maxTopicLength = 256;
            private int maxTopicDepth = 16;
            private int maxClientIdLength = 128;
            private int maxPasswordSize = 8 * 1024;
            private int maxSubscriptionsPerSession = 64;
            private int receiveMaximum = 32;
            private int queueLength = 1000;
            private int offlineQueueLength = 1000;
            private OverflowPolicy overflowPolicy = OverflowPolicy.DROP_OLDEST;
            private int maxConnections = io.edgeauth.broker.net.OpenFiles.mqttShare(io.edgeauth.broker.net.OpenFiles.limit());

            private Builder() {
            }

            /** Open MQTT connections of the node at most; the default derives from the open-file limit. */
            public Builder maxConnections(int v) {
                maxConnections = v;
                return this;
            }

            public Builder maxPacketSize(int v) {
                maxPacketSize = v;
                return this;
            }

            public Builder maxTopicLength(int v) {
                maxTopicLength = v;
                return this;
            }

            public Builder maxTopicDepth(int v) {
                maxTopicDepth = v;
                return this;
            }

            public Builder maxClientIdLength(int v) {
                maxClientIdLength = v;
                return this;
            }

            public Builder maxPasswordSize(int v) {
                maxPasswordSize = v;
                return this;
            }

            public Builder maxSubscriptionsPerSession(int v) {
                maxSubscriptionsPerSession = v;
                return this;
            }

            public Builder receiveMaximum(int v) {
                receiveMaximum = v;
                return this;
            }

            public Builder queueLength(int v) {
                queueLength = v;
                return this;
            }

            public Builder offlineQueueLength(int v) {
                offlineQueueLength = v;
                return this;
            }

            public Builder overflowPolicy(OverflowPolicy v) {
                overflowPolicy = v;
                return this;
            }

            /** The limits; throws {@link IllegalArgumentException} for one out of range. */
            public Limits build() {
                return new Limits(maxPacketSize, maxTopicLength, maxTopicDepth, maxClientIdLength, maxPasswordSize,
                        maxSubscriptionsPerSession, receiveMaximum, queueLength, offlineQueueLength, overflowPolicy,
                        maxConnections);
            }
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
        return builder().host("127.0.0.1").port(port).build();
    }

    /** A builder starting from the defaults: plain MQTT on 1883 of every address, no TLS, no WebSocket. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).tls(tlsPort, tls).webSocket(webSocketPort, webSocketTls)
                .limits(limits).maxSessionExpiry(maxSessionExpiry).backpressureTimeout(backpressureTimeout)
                .abuseRule(abuseRule).connectTimeout(connectTimeout).maxSessionsPerPrincipal(maxSessionsPerPrincipal);
    }

    public MqttSettings withLimits(Limits newLimits) {
        return toBuilder().limits(newLimits).build();
    }

    public MqttSettings withTls(int newTlsPort, Tls newTls) {
        return toBuilder().tls(newTlsPort, newTls).build();
    }

    public MqttSettings withWebSocket(int newPort, boolean secure) {
        return toBuilder().webSocket(newPort, secure).build();
    }

    public MqttSettings withMaxSessionsPerPrincipal(int max) {
        return toBuilder().maxSessionsPerPrincipal(max).build();
    }

    public MqttSettings withAbuseThreshold(int threshold) {
        return toBuilder().abuseRule(new AbuseRule(threshold, abuseRule.window())).build();
    }

    /** Named settings, each starting at its default (see the record's parameters); not thread-safe. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 1883;
        private int tlsPort = -1;
        private Tls tls;
        private int webSocketPort = -1;
        private boolean webSocketTls;
        private Limits limits = Limits.defaults();
        private Duration maxSessionExpiry = Duration.ofHours(1);
        private Duration backpressureTimeout = Duration.ofSeconds(2);
        private AbuseRule abuseRule = new AbuseRule(100, AbuseRule.DEFAULT_WINDOW);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxSessionsPerPrincipal = DEFAULT_MAX_SESSIONS_PER_PRINCIPAL;

        private Builder() {
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        /** Plain MQTT over TCP; 0 = ephemeral, -1 = off. */
        public Builder port(int v) {
            port = v;
            return this;
        }

        /** MQTT over TLS with this material; port -1 = off. */
        public Builder tls(int tlsPortOrOff, Tls material) {
            tlsPort = tlsPortOrOff;
            tls = material;
            return this;
        }

        /** MQTT over WebSocket on {@value #WEBSOCKET_PATH} (wss with the TLS material when secure); -1 = off. */
        public Builder webSocket(int portOrOff, boolean secure) {
            webSocketPort = portOrOff;
            webSocketTls = secure;
            return this;
        }

        public Builder limits(Limits v) {
            limits = v;
            return this;
        }

        public Builder maxSessionExpiry(Duration v) {
            maxSessionExpiry = v;
            return this;
        }

        public Builder backpressureTimeout(Duration v) {
            backpressureTimeout = v;
            return this;
        }

        public Builder abuseRule(AbuseRule v) {
            abuseRule = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder maxSessionsPerPrincipal(int v) {
            maxSessionsPerPrincipal = v;
            return this;
        }

        /** The settings; throws {@link IllegalArgumentException} for an inconsistent or out-of-range one. */
        public MqttSettings build() {
            return new MqttSettings(host, port, tlsPort, tls, webSocketPort, webSocketTls, WEBSOCKET_PATH, limits,
                    maxSessionExpiry, backpressureTimeout, abuseRule, connectTimeout, maxSessionsPerPrincipal);
        }
    }
}
