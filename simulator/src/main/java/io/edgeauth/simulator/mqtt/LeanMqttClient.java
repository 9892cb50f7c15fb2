package io.edgeauth.simulator.mqtt;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lean MQTT 3.1.1/5 client for many simulated devices: a few Netty event loops shared by every
 * connection, Netty's MQTT codec, and per connection only its channel and an {@link MqttSession}.
 * A device that is not connected costs nothing here. Source addresses rotate over {@code localAddrs}
 * (e.g. 127.0.0.2, 127.0.0.3, ...) so that many connections to one broker port do not run out of
 * ephemeral ports. Thread-safe.
 */
public final class LeanMqttClient implements AutoCloseable {
    /** Largest packet accepted from the broker. */
    static final int MAX_PACKET_BYTES = 1024 * 1024;

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final InetSocketAddress broker;
    private final List<InetAddress> localAddrs;
    private final AtomicLong nextLocal = new AtomicLong();
    private final int connectTimeoutMillis;
    private final MqttTls tls;

    /**
     * @param broker               MQTT host and port
     * @param localAddrs           source addresses to rotate over (empty: the system's choice)
     * @param eventLoops           Netty event loop threads
     * @param connectTimeoutMillis TCP connect plus CONNACK
     */
    public LeanMqttClient(InetSocketAddress broker, List<InetAddress> localAddrs, int eventLoops, int connectTimeoutMillis) {
        this(broker, localAddrs, eventLoops, connectTimeoutMillis, null);
    }

    /** As above, over TLS when {@code tls} is not null (mutual TLS when it has the fleet CA). */
    public LeanMqttClient(InetSocketAddress broker, List<InetAddress> localAddrs, int eventLoops, int connectTimeoutMillis,
            MqttTls tls) {
        this.tls = tls;
        this.broker = broker;
        this.localAddrs = List.copyOf(localAddrs);
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.group = new MultiThreadIoEventLoopGroup(eventLoops, new DefaultThreadFactory("sim-mqtt", true), NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // the session handler is added per connection in connect()
                    }
                });
    }

    /** Name of this broker's MQTT 5 enhanced-authentication method (the token is its data). */
    public static final String AUTH_METHOD = "edgeauth-token";

    /**
     * Opens a connection and sends CONNECT (password = the token). The returned session's
     * {@link MqttSession#connected()} completes at CONNACK.
     *
     * @param clientId         MQTT client id (the device id)
     * @param username         the device id, or a wallet DID
     * @param keepAliveSeconds 0 for none; otherwise PINGREQ after half of it without a write
     * @param enhancedAuth     MQTT 5 only: name {@value #AUTH_METHOD} in CONNECT, so the token can be renewed by AUTH
     */
    public MqttSession connect(String clientId, String username, byte[] password, boolean mqtt5, int keepAliveSeconds,
            boolean enhancedAuth) {
        return connect(clientId, username, password, mqtt5, keepAliveSeconds, enhancedAuth, 0);
    }

    /**
     * As above; {@code sessionExpirySeconds > 0} asks for a persistent session (clean start off; MQTT 5 with that
     * Session Expiry Interval), so the broker keeps the subscriptions and the QoS 1 messages owed across a
     * disconnect or a restart of its own.
     */
    public MqttSession connect(String clientId, String username, byte[] password, boolean mqtt5, int keepAliveSeconds,
            boolean enhancedAuth, int sessionExpirySeconds) {
        Bootstrap b = bootstrap.clone();
        MqttSession session = new MqttSession(mqtt5);
        b.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tls != null) { // a device (client id = its id) presents its certificate; a wallet-style observer none
                    io.netty.handler.ssl.SslContext ctx = clientId.equals(username) ? tls.forDevice(clientId) : tls.withoutCertificate();
                    ch.pipeline().addLast(ctx.newHandler(ch.alloc(), broker.getHostString(), broker.getPort()));
                }
                if (keepAliveSeconds > 0) {
                    // ping at half the keep-alive: a loaded machine may delay the ping, the broker waits 1.5 periods
                    ch.pipeline().addLast(new IdleStateHandler(0, Math.max(1, keepAliveSeconds / 2), 0, TimeUnit.SECONDS));
                }
                ch.pipeline().addLast(new MqttDecoder(MAX_PACKET_BYTES), MqttEncoder.INSTANCE, session);
            }
        });
        ChannelFuture f = b.register();
        Channel ch = f.channel();
        f.addListener(reg -> {
            if (!reg.isSuccess()) {
                session.connected().completeExceptionally(reg.cause());
                return;
            }
            ChannelFuture c = localAddrs.isEmpty() ? ch.connect(broker)
                    : ch.connect(broker, new InetSocketAddress(nextLocalAddress(), 0));
            c.addListener(done -> {
                if (!done.isSuccess()) {
                    session.connected().completeExceptionally(done.cause());
                    ch.close();
                    return;
                }
                MqttProperties props = MqttProperties.NO_PROPERTIES;
                if (mqtt5 && (enhancedAuth || sessionExpirySeconds > 0)) {
                    props = new MqttProperties();
                }
                if (mqtt5 && enhancedAuth) {
                    props.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, AUTH_METHOD));
                    props.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, password));
                }
                if (mqtt5 && sessionExpirySeconds > 0) {
                    props.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, sessionExpirySeconds));
                }
                ch.writeAndFlush(MqttMessageBuilders.connect()
                        .protocolVersion(mqtt5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1)
                        .clientId(clientId).username(username).password(password).properties(props)
                        .cleanSession(sessionExpirySeconds <= 0).keepAlive(keepAliveSeconds).build(), ch.voidPromise());
            });
        });
        var timeout = group.next().schedule(() -> {
            if (session.connected().completeExceptionally(new MqttRefusedException(-1, "connack_timeout"))) {
                ch.close();
            }
        }, connectTimeoutMillis, TimeUnit.MILLISECONDS);
        session.connected().whenComplete((s, e) -> timeout.cancel(false));
        return session;
    }

    private InetAddress nextLocalAddress() {
        return localAddrs.get((int) (nextLocal.getAndIncrement() % localAddrs.size()));
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
