package io.edgeauth.device;

import io.edgeauth.device.internal.BusyRetry;
import io.edgeauth.device.internal.Futures;
import io.edgeauth.device.internal.HandlerExecutor;
import io.edgeauth.device.internal.SessionRenewal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's CoAP connection to the broker, over Eclipse Californium (plain CoAP for development, or
 * DTLS 1.2 with a pre-shared key whose identity is the device id).
 *
 * <p>Following RFC 9200 §5.10.1 (ACE), the device first uploads its token to {@code /authz-info}
 * ({@link #uploadToken()}: a CWT as raw bytes with content-format 61 {@code application/cwt}, a JWT
 * as text); the broker binds it to this DTLS session (or source address). Then
 * {@link #publishTelemetry} POSTs to {@code /d/{id}/up/{path}} and {@link #observeCommands} observes
 * {@code /d/{id}/down}. A 4.01 answer to telemetry makes the client upload the current token once
 * more and retry. With a {@link TokenManager}, every fresh token is uploaded as it arrives. A request that goes
 * unanswered fails, and the next one starts a new DTLS handshake: a broker that restarted has lost the session and
 * drops its records without a word, so this is how the client comes back to it.
 *
 * <pre>{@code
 * DeviceCoapClient coap = DeviceCoapClient.builder()
 *         .serverUri(URI.create("coaps://broker.example:5684"))
 *         .deviceId("pump-1").psk(pskBytes)
 *         .tokens(tokenManager)
 *         .build();
 * coap.uploadToken().thenCompose(v -> coap.publishTelemetry("temp", "21.5".getBytes())).join();
 * }</pre>
 *
 * <p>One UDP endpoint per client, closed by {@link #close()}; afterwards every call fails at once with an
 * {@link IllegalStateException}, and requests still waiting fail with one. On its own a client starts four threads;
 * many clients built with one {@link CoapGateway} share its threads (each keeps its socket and one reader).
 * Futures complete on those threads: continue there only with short work. Command handlers
 * ({@link #observeCommands}) run elsewhere, on the SDK's handler threads, so they may block, also on this client's
 * blocking view. Thread-safe.
 */
public final class DeviceCoapClient implements AutoCloseable {
    /** RFC 9200 token upload resource. */
    public static final String AUTHZ_INFO = "authz-info";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceCoapClient.class);

    static {
        CoapConfig.register();
        UdpConfig.register();
        DtlsConfig.register();
    }

    /** An active observation of the command resource. */
    public interface Observation extends AutoCloseable {
        /** Cancels the observation (tells the server). */
        @Override
        void close();

        /**
         * Completes when the observation ends: normally on {@link #close()}, exceptionally with a
         * {@link CoapRequestException} when the broker ended it for good, with an {@link IllegalStateException} when
         * the client was closed (as does the future of a registration still unanswered then). A 4.01 (the session the relation was bound
         * to is gone: its token expired, it was evicted, the broker restarted) is answered by uploading the current
         * token again and registering anew, so it ends the observation only when that fails. A registration that goes
         * unanswered or is answered 5.xx is tried again after a jittered backoff, without end, until this completes.
         */
        CompletableFuture<Void> ended();
    }

    private final String deviceId;
    private final String base;
    private final Supplier<AccessToken> tokens;
    private final TokenManager tokenManager;
    private final TokenManager.Listener uploader;
    private final CoapEndpoint endpoint;
    private final SessionRenewal renewal;
    private final CoapClient client;
    private final Duration blockingTimeout;
    private final int busyRetries;
    private final CoapRequests requests;
    /** Gets a new token when /authz-info refuses the manager's; null without a manager. */
    private final CoapTokenRefusals refusals;

    private DeviceCoapClient(Builder b) {
        this.deviceId = b.deviceId;
        String s = b.serverUri.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.tokenManager = b.tokenManager;
        this.tokens = b.tokenManager != null ? b.tokenManager::current : b.tokens;
        this.blockingTimeout = b.blockingTimeout;
        this.busyRetries = b.busyRetries;
        Configuration config = b.configuration != null ? b.configuration
                : b.gateway != null ? b.gateway.configuration() : CoapGateway.standard();
        CoapEndpoint.Builder eb = new CoapEndpoint.Builder().setConfiguration(config).setLoggingTag(deviceId);
        InetSocketAddress local = b.localAddress != null ? b.localAddress : new InetSocketAddress(0);
        DTLSConnector connector = null;
        if ("coaps".equalsIgnoreCase(b.serverUri.getScheme())) {
            if (b.psk == null) {
                throw new IllegalStateException("coaps needs a pre-shared key (psk)");
            }
            DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
                    .setAddress(local)
                    .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
                    .setAdvancedPskStore(new AdvancedSinglePskStore(deviceId, b.psk))
                    .setLoggingTag(deviceId)
                    .build();
            connector = new DTLSConnector(dtls);
            if (b.gateway != null) {
                connector.setExecutor(b.gateway.executor()); // also its timer: no DTLS threads of its own but the reader
            }
            eb.setConnector(connector);
            SessionRenewal.matchByPrincipal(eb); // a request may go on over a renewed session
        } else {
            eb.setInetSocketAddress(local);
        }
        this.renewal = SessionRenewal.of(connector, config, b.renewSessionAfterUnanswered, deviceId);
        this.endpoint = eb.build();
        this.client = new CoapClient();
        if (b.gateway != null) {
            endpoint.setExecutors(b.gateway.executor(), b.gateway.executor());
            client.setExecutors(b.gateway.executor(), b.gateway.executor(), true);
        }
        this.client.setEndpoint(endpoint);
        this.requests = new CoapRequests(client, renewal, deviceId);
        this.refusals = tokenManager == null ? null : new CoapTokenRefusals(tokenManager, deviceId);
        this.uploader = tokenManager == null ? null : token -> uploadToken(token).whenComplete((v, e) -> {
            if (e != null) {
                LOG.info("device {}: uploading the new token fp={} failed: {}", deviceId, token.fingerprint(), String.valueOf(unwrap(e)));
            }
        });
        if (uploader != null) {
            tokenManager.addListener(uploader);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public String deviceId() {
        return deviceId;
    }

    /** Uploads the current token to {@code /authz-info}. */
    public CompletableFuture<Void> uploadToken() {
        AccessToken t = tokens.get();
        if (t == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no access token yet (start the TokenManager first)"));
        }
        return uploadToken(t);
    }

    /**
     * Uploads {@code token} to {@code /authz-info} (CWT raw, content-format 61; JWT as text). A busy broker's
     * 5.03 is retried after its Max-Age (or an exponential backoff) times a random factor in [0.5, 1.5),
     * {@link Builder#busyRetries} times. A 4.01 for a {@link TokenManager}'s current token asks it for a new one.
     */
    public CompletableFuture<Void> uploadToken(AccessToken token) {
        CompletableFuture<Void> upload = BusyRetry.run(() -> uploadOnce(token), DeviceCoapClient::busyHint, busyRetries);
        return refusals == null ? upload : upload.whenComplete((v, e) -> {
            if (e != null) {
                refusals.uploadFailed(token, e);
            }
        });
    }

    /** The Max-Age of a 5.03 (0 without one), else {@link BusyRetry#NOT_BUSY}. */
    static long busyHint(Throwable failure) {
        if (failure instanceof CoapRequestException e && "5.03".equals(e.code())) {
            return e.maxAgeSeconds() == null ? 0 : e.maxAgeSeconds();
        }
        return BusyRetry.NOT_BUSY;
    }

    private CompletableFuture<Void> uploadOnce(AccessToken token) {
        Request r = Request.newPost();
        r.setURI(base + "/" + AUTHZ_INFO);
        if (token.format().cbor()) {
            r.setPayload(token.bytes());
            r.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_CWT);
        } else {
            r.setPayload(token.value().getBytes(StandardCharsets.US_ASCII));
            r.getOptions().setContentFormat(MediaTypeRegistry.TEXT_PLAIN);
        }
        return send(r).thenRun(() -> LOG.debug("device {}: token fp={} uploaded", deviceId, token.fingerprint()));
    }

    /** POSTs telemetry (confirmable) to {@code /d/{id}/up/{path}}; re-uploads the token once on 4.01. */
    public CompletableFuture<Void> publishTelemetry(String path, byte[] payload) {
        return publishTelemetry(path, payload, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
    }

    /** As {@link #publishTelemetry(String, byte[])} with an explicit content-format. */
    public CompletableFuture<Void> publishTelemetry(String path, byte[] payload, int contentFormat) {
        String uri;
        try {
            uri = base + "/" + Topics.up(deviceId, path);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        Objects.requireNonNull(payload, "payload");
        return send(telemetry(uri, payload, contentFormat)).exceptionallyCompose(e -> {
            Throwable t = unwrap(e);
            if (t instanceof CoapRequestException && "4.01".equals(((CoapRequestException) t).code()) && tokens.get() != null) {
                LOG.debug("device {}: 4.01 on telemetry, uploading the token again", deviceId);
                return uploadToken().thenCompose(v -> send(telemetry(uri, payload, contentFormat)));
            }
            return CompletableFuture.failedFuture(t);
        });
    }

    /**
     * Observes {@code /d/{id}/down}; every notification is handed to {@code handler} as a command, in the order
     * the broker sends them: topic {@code d/{id}/down} and path "", or for a command published below it (e.g.
     * {@code d/{id}/down/valve}) that topic and path {@code valve}. The future completes with the observation
     * once the first response arrives, or fails if the broker refuses or does not answer (a 5.03 is retried
     * {@link Builder#busyRetries} times first). Once established, the observation is kept: after a 4.01 (the
     * session is gone) the current token is uploaded again and the observation registered anew; after a
     * registration that went unanswered (say the broker restarted) or a 5.xx, it is registered again after a
     * jittered backoff, over a new DTLS handshake. How it ends, {@link Observation#ended()} says.
     *
     * <p>The handler runs on one of the SDK's handler threads, never on the CoAP endpoint's, one command at a time
     * and in order for this observation: it may block, for instance to answer with
     * {@code toBlocking().publishTelemetry(...)}, though a slow handler delays the commands after it.
     */
    public CompletableFuture<Observation> observeCommands(Consumer<Command> handler) {
        Objects.requireNonNull(handler, "handler");
        if (requests.closed()) {
            return requests.closedFailure();
        }
        String topic = "d/" + deviceId + "/down";
        // the endpoint's thread must stay free: a handler blocking on this client waits for an answer only it reads
        HandlerExecutor handlers = HandlerExecutor.serial();
        CoapHandler commands = new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                byte[] payload = response.getPayload() == null ? new byte[0] : response.getPayload();
                // an answer to our own GET (the registration, or Californium's re-registration when a
                // notification's Max-Age runs out, every ~62 s by default) carries a command only if one is
                // pending; a notification the broker pushes comes as its own CON/NON message, never as an ACK
                if (payload.length == 0 && response.advanced().getType() == CoAP.Type.ACK) {
                    return;
                }
                Command command = command(topic, response, payload);
                handlers.execute(() -> {
                    try {
                        handler.accept(command);
                    } catch (RuntimeException e) {
                        LOG.warn("device {}: command handler failed", deviceId, e);
                    }
                });
            }

            @Override
            public void onError() {
            }
        };
        return requests.observe(new CommandObservation(client, base + "/" + topic, deviceId, commands,
                this::uploadToken, renewal, CoapRequests::error, busyRetries));
    }

    /**
     * The command a notification carries: its topic from the Location-Path the broker sets (a command published
     * below {@code d/{id}/down}), else {@code d/{id}/down} itself; a Location-Path outside the device's own
     * commands is ignored.
     */
    static Command command(String downTopic, CoapResponse response, byte[] payload) {
        String at = response.getOptions().getLocationPathCount() == 0 ? downTopic
                : response.getOptions().getLocationPathString();
        if (at.startsWith(downTopic + "/")) {
            return new Command(at, at.substring(downTopic.length() + 1), payload);
        }
        return new Command(downTopic, "", payload);
    }

    /**
     * Stops following tokens and destroys the endpoint (closing the DTLS session); requests still waiting fail with
     * an {@link IllegalStateException}, as every call made afterwards does, and command observations end with one.
     */
    @Override
    public void close() {
        requests.close();
        if (uploader != null) {
            tokenManager.removeListener(uploader);
        }
        client.shutdown();
        endpoint.destroy();
        requests.failPending();
    }

    private CompletableFuture<Void> send(Request request) {
        return requests.send(request);
    }


    /** A blocking view of this same client. */
    public Blocking toBlocking() {
        return new Blocking(this);
    }

    private static Request telemetry(String uri, byte[] payload, int contentFormat) {
        Request r = Request.newPost();
        r.setURI(uri);
        r.setPayload(payload);
        r.getOptions().setContentFormat(contentFormat);
        return r;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The blocking view. */
    public static final class Blocking {
        private final DeviceCoapClient client;

        private Blocking(DeviceCoapClient client) {
            this.client = client;
        }

        public void uploadToken() {
            await(client.uploadToken());
        }

        public void publishTelemetry(String path, byte[] payload) {
            await(client.publishTelemetry(path, payload));
        }

        public Observation observeCommands(Consumer<Command> handler) {
            return await(client.observeCommands(handler));
        }

        public DeviceCoapClient toAsync() {
            return client;
        }

        private <T> T await(CompletableFuture<T> f) {
            return Futures.await(f, client.blockingTimeout);
        }
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private URI serverUri;
        private String deviceId;
        private byte[] psk;
        private TokenManager tokenManager;
        private Supplier<AccessToken> tokens;
        private Configuration configuration;
        private InetSocketAddress localAddress;
        private Duration blockingTimeout = Duration.ofSeconds(60);
        private CoapGateway gateway;
        private int busyRetries = 8;
        private int renewSessionAfterUnanswered = -1;

        private Builder() {
        }

        /**
         * How often a token upload, or the first registration of {@link #observeCommands}, answered 5.03 (the broker
         * sheds load) is retried (0..100). Default 8. An established observation retries without limit.
         */
        public Builder busyRetries(int retries) {
            this.busyRetries = BusyRetry.checkRetries(retries);
            return this;
        }

        /**
         * Over DTLS, how many transmissions of a request in a row may go unanswered before its next retransmission
         * goes over a new handshake (0 to the configuration's {@code MAX_RETRANSMIT}; a larger value is refused by
         * {@link #build()}). A broker restarted without its sessions drops the old session's records without a word;
         * with the default 4 (or {@code MAX_RETRANSMIT} if lower) and the standard timeouts a request reaches it
         * after 30 to 45 s of silence instead of failing after 62 to 93 s, and a clean restart that keeps the
         * sessions and takes less than about 30 s costs no handshake. 2: after 6 to 9 s, for a broker that does not
         * keep sessions or restarts within seconds. 0: only after a request has timed out.
         */
        public Builder renewSessionAfterUnanswered(int transmissions) {
            if (transmissions < 0) {
                throw new IllegalArgumentException("renewSessionAfterUnanswered must be 0 or more: " + transmissions);
            }
            this.renewSessionAfterUnanswered = transmissions;
            return this;
        }

        /** Run on the gateway's shared threads (and its configuration, unless {@link #configuration} is set). */
        public Builder gateway(CoapGateway gateway) {
            this.gateway = Objects.requireNonNull(gateway, "gateway");
            return this;
        }

        /** {@code coap://host:5683} (development) or {@code coaps://host:5684} (DTLS PSK). Required. */
        public Builder serverUri(URI uri) {
            String scheme = Objects.requireNonNull(uri, "uri").getScheme();
            if (!"coap".equalsIgnoreCase(scheme) && !"coaps".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("scheme must be coap or coaps: " + uri);
            }
            this.serverUri = uri;
            return this;
        }

        public Builder deviceId(String deviceId) {
            this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
            return this;
        }

        public Builder identity(DeviceIdentity identity) {
            return deviceId(identity.deviceId());
        }

        /** The DTLS pre-shared key (identity = device id); required for coaps. */
        public Builder psk(byte[] key) {
            if (key == null || key.length < 16) {
                throw new IllegalArgumentException("a PSK must have at least 16 bytes");
            }
            this.psk = key.clone();
            return this;
        }

        /** Tokens from a manager; each new token is uploaded as it arrives. */
        public Builder tokens(TokenManager manager) {
            this.tokenManager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        public Builder tokens(Supplier<AccessToken> supplier) {
            this.tokens = Objects.requireNonNull(supplier, "supplier");
            return this;
        }

        public Builder token(AccessToken token) {
            Objects.requireNonNull(token, "token");
            return tokens(() -> token);
        }

        /**
         * Californium configuration (timeouts, DTLS settings); default: the standard one without a file, with DTLS
         * retransmissions jittered (see {@link CoapGateway}).
         */
        public Builder configuration(Configuration configuration) {
            this.configuration = Objects.requireNonNull(configuration, "configuration");
            return this;
        }

        /** Local address to bind; default any address, ephemeral port. */
        public Builder localAddress(InetSocketAddress local) {
            this.localAddress = Objects.requireNonNull(local, "local");
            return this;
        }

        /** How long the blocking view waits. Default 60 s (CoAP retransmissions take time). */
        public Builder blockingTimeout(Duration timeout) {
            this.blockingTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public DeviceCoapClient build() {
            if (serverUri == null || deviceId == null) {
                throw new IllegalStateException("serverUri and deviceId are required");
            }
            if (tokenManager == null && tokens == null) {
                throw new IllegalStateException("tokens(...) or token(...) is required");
            }
            return new DeviceCoapClient(this);
        }
    }
}
