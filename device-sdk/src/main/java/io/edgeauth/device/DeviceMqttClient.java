package io.edgeauth.device;

import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import io.edgeauth.device.internal.BusyRetry;
import io.edgeauth.device.internal.Futures;
import io.edgeauth.device.internal.HiveMqClients;
import io.edgeauth.device.internal.MqttFailures;
import io.edgeauth.device.internal.MqttTransport;
import io.edgeauth.device.internal.TlsMaterial;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's MQTT connection to the broker, over the HiveMQ MQTT client (MQTT 5 by default, 3.1.1
 * optionally).
 *
 * <p>CONNECT carries client id = username = device id and password = the access token (the JWT, or
 * the CWT base64url-encoded as the token endpoint returned it). With MQTT 5 the client also uses
 * enhanced authentication, method {@value #DEFAULT_AUTH_METHOD}, with the raw token bytes as
 * authentication data, so that when the {@link TokenManager} has a fresh token it is presented in an
 * AUTH packet (re-authentication) without reconnecting. With MQTT 3.1.1, or with enhanced
 * authentication turned off, a fresh token means a quick reconnect (and re-subscribe).
 *
 * <pre>{@code
 * DeviceMqttClient mqtt = DeviceMqttClient.builder()
 *         .deviceId("pump-1").serverHost("broker.example").serverPort(8883)
 *         .tokens(tokenManager)
 *         .tls(trustManagerFactory)
 *         .build();
 * mqtt.connect()
 *     .thenCompose(v -> mqtt.onCommand(c -> System.out.println("command " + c.path())))
 *     .thenCompose(v -> mqtt.publishTelemetry("temp", "21.5".getBytes(), 1));
 * }</pre>
 *
 * <p>The methods here are asynchronous; {@link #toBlocking()} gives a blocking view of the same
 * connection. Many clients share the HiveMQ Netty event loop by default (pass one
 * {@link MqttClientExecutorConfig} to bound its threads). Thread-safe.
 */
public final class DeviceMqttClient {
    /** The MQTT 5 authentication method whose data is the token. */
    public static final String DEFAULT_AUTH_METHOD = "edgeauth-token";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceMqttClient.class);

    /** The protocol version. */
    public enum MqttVersion {
        MQTT_3_1_1,
        MQTT_5
    }

    /**
     * Hears about the connection going up and down, including the client's own reconnects and HiveMQ's
     * automatic reconnects. Called on HiveMQ's threads: return quickly. Both methods are do-nothing defaults, so a
     * misspelt one ({@code onDisconnect(String)}) compiles and is never called: mark yours {@code @Override}.
     */
    public interface ConnectionListener {
        /** The connection is up (CONNACK success). */
        default void onConnected() {
        }

        /**
         * The connection went down or a connect attempt failed; {@code reason} as in
         * {@link DeviceMqttClient#failureReason(Throwable)} (e.g. {@code disconnect:NOT_AUTHORIZED} when
         * the broker drops a revoked session), {@code closed_by_client} for our own disconnects.
         */
        default void onDisconnected(String reason) {
        }
    }

    private final String deviceId;
    private final MqttVersion version;
    private final TokenManager tokenManager;
    private final int keepAliveSeconds;
    private final PresentedToken token;
    private final Duration blockingTimeout;
    private final MqttTransport transport;
    private final DeviceIdentity signer;
    private final TokenManager.Listener renewer;
    private volatile Consumer<Command> commandHandler;
    private volatile int commandQos = 1;
    private volatile boolean closed;
    private final int busyRetries;

    private DeviceMqttClient(Builder b) {
        this.deviceId = b.deviceId;
        this.version = b.version;
        this.tokenManager = b.tokenManager;
        this.token = new PresentedToken(b.tokens, b.tokenManager, b.rawCwtPassword, b.deviceId);
        this.keepAliveSeconds = b.keepAliveSeconds;
        this.busyRetries = b.busyRetries;
        this.blockingTimeout = b.blockingTimeout;
        this.signer = b.signer;
        boolean enhanced = version == MqttVersion.MQTT_5 && b.enhancedAuth;
        ConnectionHooks hooks = new ConnectionHooks(b.connectionListener, token, () -> closed);
        this.transport = hooks.attach(HiveMqClients.build(new HiveMqClients.Options(deviceId, b.host, b.port,
                version == MqttVersion.MQTT_5, b.ssl, b.executorConfig, enhanced ? b.authMethod : null, b.maxPacketSize,
                () -> token.current().bytes(), keepAliveSeconds, b.automaticReconnect ? token::forReconnect : null,
                () -> closed, hooks::connected, hooks::disconnected)));
        this.renewer = tokenManager == null ? null : this::onNewToken;
        if (renewer != null) {
            tokenManager.addListener(renewer);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public String deviceId() {
        return deviceId;
    }

    public MqttVersion mqttVersion() {
        return version;
    }

    public boolean isConnected() {
        return transport.isConnected();
    }

    /**
     * Connects with the current token and, if {@link #onCommand} was called before, subscribes to
     * {@code d/{id}/down/#}. A busy broker's CONNACK 0x89/0x97 (3.1.1: 3) or unanswered close (a shed TLS
     * handshake) is retried after a jittered backoff ({@link Builder#busyRetries}); others fail ({@link #failureReason}).
     */
    public CompletableFuture<Void> connect() {
        return BusyRetry.run(this::connectOnce, MqttFailures::busyHint, busyRetries);
    }

    private CompletableFuture<Void> connectOnce() {
        if (closed) { // a busy retry whose backoff began before disconnect(), or a connect() after it
            return CompletableFuture.failedFuture(new IllegalStateException("client disconnected"));
        }
        return token.currentAsync().thenCompose(t -> transport.connect(token.sending(t), keepAliveSeconds).thenCompose(v -> {
            token.accepted(t);
            LOG.debug("device {}: connected ({}) with token fp={}", deviceId, version, t.fingerprint());
            Consumer<Command> h = commandHandler;
            return h == null ? CompletableFuture.completedFuture(null) : subscribeCommands();
        }));
    }

    /**
     * Publishes telemetry to {@code d/{id}/up/{path}} with QoS 0, 1 or 2; completes when sent (QoS 0) or
     * acknowledged. With {@link Builder#signTelemetry} the payload goes with its signature
     * ({@link TelemetrySignatures}).
     */
    public CompletableFuture<Void> publishTelemetry(String path, byte[] payload, int qos) {
        String topic;
        try {
            topic = Topics.up(deviceId, path);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        Objects.requireNonNull(payload, "payload");
        return transport.publish(topic, payload, qos, signer == null ? null : TelemetrySignatures.sign(signer, payload));
    }

    /** Receives commands published to {@code d/{id}/down/#} with QoS 1; subscribes now if connected, else on connect. */
    public CompletableFuture<Void> onCommand(Consumer<Command> handler) {
        return onCommand(handler, 1);
    }

    /** As {@link #onCommand(Consumer)} with the given subscription QoS. */
    public CompletableFuture<Void> onCommand(Consumer<Command> handler, int qos) {
        this.commandHandler = Objects.requireNonNull(handler, "handler");
        this.commandQos = qos;
        return transport.isConnected() ? subscribeCommands() : CompletableFuture.completedFuture(null);
    }

    /**
     * Presents the current token again: MQTT 5 AUTH re-authentication when enhanced authentication is
     * on, otherwise a reconnect (and re-subscribe) with the token as the new password. Called by
     * itself when the {@link TokenManager} has a new token.
     */
    public CompletableFuture<Void> reauthenticate() {
        return token.currentAsync().thenCompose(t -> {
            if (transport.canReauthenticate()) {
                token.sending(t);
                return transport.reauthenticate().thenRun(() -> {
                    token.accepted(t);
                    LOG.debug("device {}: re-authenticated with token fp={}", deviceId, t.fingerprint());
                });
            }
            return transport.disconnect()
                    .handle((v, e) -> null)
                    .thenCompose(v -> closed ? CompletableFuture.<Void>completedFuture(null) : connect());
        });
    }

    /** Disconnects for good (connect again with a new client) and stops following token renewals: a {@code connect()}
     * backing off from a busy broker fails, a reconnect HiveMQ had scheduled (it cannot cancel one) is closed once up. */
    public CompletableFuture<Void> disconnect() {
        closed = true;
        if (renewer != null) {
            tokenManager.removeListener(renewer);
        }
        token.close();
        return transport.isConnected() ? transport.disconnect() : CompletableFuture.completedFuture(null);
    }

    /** A blocking view of this same connection. */
    public Blocking toBlocking() {
        return new Blocking(this);
    }

    /**
     * A short, stable name for why an MQTT operation failed, for metrics and logs: e.g.
     * {@code connack:NOT_AUTHORIZED}, {@code connack:BAD_USER_NAME_OR_PASSWORD}, {@code puback:QUOTA_EXCEEDED},
     * {@code disconnect:...}, {@code connection_failed}, {@code connection_closed}, {@code timeout},
     * {@code token:invalid_client}, or {@code tls_alert:<alert>} when the broker refused the TLS handshake with an
     * alert (e.g. {@code tls_alert:certificate_expired}, {@code tls_alert:unknown_ca}).
     */
    public static String failureReason(Throwable error) {
        return FailureText.reason(error);
    }

    /**
     * The broker's own words for an MQTT 5 refusal (the reason string of a CONNACK, PUBACK or DISCONNECT: {@code expired},
     * {@code revoked}, {@code bad_signature}, ...), or null; {@link #failureReason} stays the stable code for metrics.
     */
    public static String brokerReason(Throwable error) {
        return FailureText.brokerReason(error);
    }

    private void onNewToken(AccessToken fresh) {
        token.onToken(fresh);
        if (closed || !transport.isConnected() || token.isPresented(fresh)) {
            return;
        }
        reauthenticate().whenComplete((v, e) -> {
            if (e != null) {
                LOG.info("device {}: presenting the new token failed: {}", deviceId, FailureText.described(e));
            }
        });
    }

    private CompletableFuture<Void> subscribeCommands() {
        return transport.subscribe(Topics.downFilter(deviceId), commandQos, new CommandDispatch(deviceId, commandHandler));
    }

    /** The blocking view: the same operations, waiting up to the configured timeout. */
    public static final class Blocking {
        private final DeviceMqttClient client;

        private Blocking(DeviceMqttClient client) {
            this.client = client;
        }

        public void connect() {
            await(client.connect());
        }
        public void publishTelemetry(String path, byte[] payload, int qos) {
            await(client.publishTelemetry(path, payload, qos));
        }
        public void onCommand(Consumer<Command> handler) {
            await(client.onCommand(handler));
        }
        public void reauthenticate() {
            await(client.reauthenticate());
        }
        public void disconnect() {
            await(client.disconnect());
        }
        public boolean isConnected() {
            return client.isConnected();
        }

        /** The asynchronous view. */
        public DeviceMqttClient toAsync() {
            return client;
        }

        private void await(CompletableFuture<Void> f) {
            Futures.await(f, client.blockingTimeout);
        }
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private String deviceId;
        private String host = "localhost";
        private int port = -1;
        private MqttVersion version = MqttVersion.MQTT_5;
        private TokenManager tokenManager;
        private Supplier<AccessToken> tokens;
        private boolean enhancedAuth = true;
        private String authMethod = DEFAULT_AUTH_METHOD;
        private boolean rawCwtPassword;
        private int keepAliveSeconds = 60;
        private boolean automaticReconnect;
        private int busyRetries = 8;
        private int maxPacketSize = HiveMqClients.DEFAULT_MAX_PACKET_SIZE;
        private MqttClientSslConfig ssl;
        private TrustManagerFactory trust;
        private KeyManagerFactory keys;
        private boolean tls;
        private MqttClientExecutorConfig executorConfig;
        private Duration blockingTimeout = Duration.ofSeconds(30);
        private ConnectionListener connectionListener;
        private DeviceIdentity signer;

        private Builder() {
        }

        /**
         * Signs every telemetry payload with this identity's key (MQTT 5 user property {@code edgeauth-sig}),
         * for tenants that require signed telemetry or subscribers that check it. MQTT 5 only.
         */
        public Builder signTelemetry(DeviceIdentity identity) {
            this.signer = Objects.requireNonNull(identity, "identity");
            return this;
        }

        /** Hears about the connection going up and down. */
        public Builder connectionListener(ConnectionListener listener) {
            this.connectionListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The device id: client id, username, topic prefix. Required (or {@link #identity}); a device of an
         * enrollment group ({@link ClientAssertions#groupBuilder}), which holds no key pair, names itself here.
         */
        public Builder deviceId(String deviceId) {
            this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
            return this;
        }

        /** Takes the device id from the identity. */
        public Builder identity(DeviceIdentity identity) {
            return deviceId(identity.deviceId());
        }

        public Builder serverHost(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Default 1883, or 8883 with TLS. */
        public Builder serverPort(int port) {
            this.port = port;
            return this;
        }

        /** MQTT 5 (default) or 3.1.1. */
        public Builder mqttVersion(MqttVersion version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Tokens from a manager; new tokens are presented while connected (AUTH or reconnect). */
        public Builder tokens(TokenManager manager) {
            this.tokenManager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        /** Tokens from any supplier (no automatic renewal; call {@link #reauthenticate()}). */
        public Builder tokens(Supplier<AccessToken> supplier) {
            this.tokens = Objects.requireNonNull(supplier, "supplier");
            return this;
        }

        /** A fixed token. */
        public Builder token(AccessToken token) {
            Objects.requireNonNull(token, "token");
            return tokens(() -> token);
        }

        /** MQTT 5 enhanced authentication (AUTH re-authentication). Default on; off falls back to reconnects. */
        public Builder enhancedAuth(boolean on) {
            this.enhancedAuth = on;
            return this;
        }

        /** The MQTT 5 authentication method name. Default {@value #DEFAULT_AUTH_METHOD}. */
        public Builder authMethod(String method) {
            this.authMethod = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * Send a CWT as raw bytes in the password instead of base64url text. Default off, because a
         * broker that reads the password as UTF-8 (Vert.x MQTT does) corrupts binary; the MQTT 5
         * authentication data is always raw.
         */
        public Builder rawCwtPassword(boolean raw) {
            this.rawCwtPassword = raw;
            return this;
        }

        /** Keep-alive in seconds. Default 60. */
        public Builder keepAlive(int seconds) {
            this.keepAliveSeconds = seconds;
            return this;
        }

        /**
         * The largest MQTT 5 packet (a command) the device takes, announced in CONNECT; a larger one ends the connection.
         * 64 to 268435455, default 1 MiB (16 times the broker's default). MQTT 3.1.1 has no such limit. */
        public Builder maxPacketSize(int bytes) {
            this.maxPacketSize = HiveMqClients.checkMaxPacketSize(bytes);
            return this;
        }

        /** How often {@link #connect()} retries a busy broker's retryable CONNACK or unanswered close (0..100). Default 8. */
        public Builder busyRetries(int retries) {
            this.busyRetries = BusyRetry.checkRetries(retries);
            return this;
        }

        /**
         * Reconnect by itself (1 s to 60 s backoff) with the then-current token. Default off. After the broker refused the
         * token (CONNACK 0x86/0x87, DISCONNECT 0x87/0xA0) it waits for the {@link TokenManager}'s next; without one, stops.
         */
        public Builder automaticReconnect(boolean on) {
            this.automaticReconnect = on;
            return this;
        }

        /** TLS with the JVM's default trust. */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /** TLS trusting the given trust managers. */
        public Builder tls(TrustManagerFactory trust) {
            this.tls = true;
            this.trust = Objects.requireNonNull(trust, "trust");
            return this;
        }

        /** TLS trusting the certificates in {@code trustStore}. */
        public Builder trustStore(KeyStore trustStore) {
            return tls(TlsMaterial.trusting(trustStore));
        }

        /** Mutual TLS: present this key and certificate chain. */
        public Builder clientCertificate(PrivateKey key, X509Certificate... chain) {
            return keyManagerFactory(TlsMaterial.presenting(key, chain));
        }

        /** Mutual TLS with the given key managers. */
        public Builder keyManagerFactory(KeyManagerFactory keys) {
            this.tls = true;
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /** A complete HiveMQ TLS configuration (overrides the TLS options above). */
        public Builder sslConfig(MqttClientSslConfig ssl) {
            this.ssl = Objects.requireNonNull(ssl, "ssl");
            return this;
        }

        /** Share or bound HiveMQ's threads (Netty executor and thread count). */
        public Builder executorConfig(MqttClientExecutorConfig config) {
            this.executorConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /** How long the blocking view waits. Default 30 s. */
        public Builder blockingTimeout(Duration timeout) {
            this.blockingTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public DeviceMqttClient build() {
            if (deviceId == null) {
                throw new IllegalStateException("deviceId is required");
            }
            if (tokenManager == null && tokens == null) {
                throw new IllegalStateException("tokens(...) or token(...) is required");
            }
            if (signer != null && version != MqttVersion.MQTT_5) {
                throw new IllegalStateException("signTelemetry needs MQTT 5 (MQTT 3.1.1 has no user properties)");
            }
            if (signer != null && !signer.deviceId().equals(deviceId)) {
                throw new IllegalStateException("signTelemetry: the identity is not device " + deviceId);
            }
            if (ssl == null && tls) {
                ssl = TlsMaterial.sslConfig(trust, keys);
            }
            if (port < 0) {
                port = ssl != null ? 8883 : 1883;
            }
            return new DeviceMqttClient(this);
        }
    }
}
