package io.edgeauth.broker.mqtt.wire;

import io.edgeauth.broker.net.NetTransport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509KeyManager;

/**
 * The MQTT listeners of one edge on Netty's MQTT codec, and the Netty event loops they run on.
 *
 * <p>Why the edge's own loops and not Vert.x's: Vert.x 5 took Netty out of its public API (vert.x PR 4793:
 * {@code Vertx.nettyEventLoopGroup()} and {@code acceptorEventLoopGroup()} moved to the internal
 * {@code VertxInternal}); its public {@code NetServer} hands out {@code NetSocket}s of {@code Buffer}s, which
 * cannot carry a Netty pipeline without casting to the internal {@code NetSocketInternal}. So a Netty
 * {@code ServerBootstrap} cannot be bound on Vert.x's loops through public API. The edge therefore runs one
 * loop per core of its own; everything a connection does (decoding, session logic, timers, writes) runs on
 * its channel's loop, and nothing of it needs a Vert.x context.
 */
public final class MqttListeners {
    /** The WebSocket path and sub-protocols MQTT clients use (MQTT 5 §6, as vertx-mqtt offered them). */
    public static final String WEBSOCKET_PATH = "/mqtt";
    static final String WEBSOCKET_SUBPROTOCOLS = "mqtt, mqttv3.1, mqttv3.1.1";
    private static final int MAX_CLIENT_ID_LENGTH = 65535; // checked by the edge, for a clear reason code

    private final EventLoopGroup loops;
    private final NetTransport transport;
    private final Map<EventExecutor, LoopSweep> sweeps;
    private final List<Channel> servers = new CopyOnWriteArrayList<>();
    private final ConnectionCap cap;
    private final TlsRefusals tlsRefusals;

    /**
     * @param threads   the event loops (one per core is plenty: an MQTT connection costs little CPU)
     * @param transport epoll or NIO under them
     * @param cap       the bound on open connections, shared by every listener of this edge
     * @param tlsRefusals where the TLS listeners trace refused client certificates
     */
    public MqttListeners(int threads, NetTransport transport, ConnectionCap cap, TlsRefusals tlsRefusals) {
        this.transport = transport;
        this.cap = cap;
        this.tlsRefusals = tlsRefusals;
        this.loops = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("edgeauth-mqtt", true),
                transport.ioHandlers());
        this.sweeps = LoopSweep.start(loops);
    }

    /**
     * One listener. {@code tls} null: plain; {@code webSocket}: MQTT over WebSocket at {@link #WEBSOCKET_PATH};
     * {@code admission}: the node's limit on pending TLS handshakes (unused by a plain listener).
     */
    public record Listener(String host, int port, SslContext tls, boolean webSocket, int maxPacketSize,
                           long connectTimeoutMillis, ConnectRefusals refusals, Consumer<MqttChannel> onConnect,
                           Consumer<Throwable> internalErrors, io.edgeauth.broker.admission.AdmissionControl admission) {
    }

    /** Binds a listener; completes with the bound port. */
    public CompletableFuture<Integer> listen(Listener l) {
        ServerBootstrap b = new ServerBootstrap()
                .group(loops)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!cap.admit(ch)) {
                            ch.close();
                            return;
                        }
                        pipeline(ch, l, sweeps, tlsRefusals);
                    }
                });
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        ChannelFuture f = b.bind(l.host(), l.port());
        f.addListener(done -> {
            if (done.isSuccess()) {
                servers.add(f.channel());
                bound.complete(((InetSocketAddress) f.channel().localAddress()).getPort());
            } else {
                bound.completeExceptionally(done.cause());
            }
        });
        return bound;
    }

    private static void pipeline(SocketChannel ch, Listener l, Map<EventExecutor, LoopSweep> sweeps,
                                 TlsRefusals tlsRefusals) {
        if (l.tls() != null) { // built once admitted: a shed connection costs no TLS engine
            ch.pipeline().addLast(HandshakeAdmission.NAME, new HandshakeAdmission(l.admission(), l.connectTimeoutMillis(), p -> {
                p.addLast("tls", l.tls().newHandler(ch.alloc()));
                mqttHandlers(p, l, sweeps);
            }, tlsRefusals));
        } else {
            mqttHandlers(ch.pipeline(), l, sweeps);
        }
    }

    private static void mqttHandlers(ChannelPipeline p, Listener l, Map<EventExecutor, LoopSweep> sweeps) {
        if (l.webSocket()) {
            int maxFrame = Math.max(l.maxPacketSize() + 16, 65536);
            p.addLast("http", new HttpServerCodec());
            p.addLast("httpAggregator", new HttpObjectAggregator(maxFrame));
            p.addLast("webSocket", new WebSocketServerProtocolHandler(WEBSOCKET_PATH, WEBSOCKET_SUBPROTOCOLS, false,
                    maxFrame, 10_000L));
            p.addLast("bytesToFrames", new BytesToFrames());
            p.addLast("framesToBytes", new FramesToBytes());
        }
        p.addLast(PacketFrames.NAME, new PacketFrames(l.maxPacketSize())); // whole, checked packets: see there why
        p.addLast("mqttDecoder", new MqttDecoder(l.maxPacketSize(), MAX_CLIENT_ID_LENGTH));
        p.addLast("mqttEncoder", MqttEncoder.INSTANCE);
        p.addLast(MqttChannel.NAME, new MqttChannel(l.onConnect(), l.connectTimeoutMillis(), l.refusals(), l.internalErrors(),
                sweeps::get));
    }

    /**
     * A TLS server context whose key and trust managers are consulted on every handshake (so reloading them
     * needs no new context): BoringSSL through netty-tcnative when {@code openSsl}, else the JDK.
     */
    public static SslContext serverTls(X509KeyManager keys, TrustManager trust, ClientAuth clientAuth, boolean openSsl,
                                       List<String> protocols, List<String> cipherSuites) throws SSLException {
        // BoringSSL would otherwise re-encode and re-parse the key and chain on every handshake (~6 % of a TLS
        // connect's CPU); the cache is keyed by alias, and ReloadableKeyManager's aliases name their generation,
        // so a reload is a new alias, never a stale hit.
        SslContextBuilder b = (openSsl
                ? SslContextBuilder.forServer(new OpenSslCachingX509KeyManagerFactory(new KeyManagerFactoryWrapper(keys)))
                : SslContextBuilder.forServer(keys))
                .sslProvider(openSsl ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols(protocols)
                .ciphers(cipherSuites)
                .clientAuth(clientAuth);
        if (trust != null) {
            b.trustManager(trust);
        }
        return b.build();
    }

    /**
     * Closes the listeners now and the event loops (with every connection still open) after {@code graceMillis},
     * which lets DISCONNECTs already written reach their clients. Completes when the listeners are closed.
     */
    public CompletableFuture<Void> close(long graceMillis) {
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (Channel s : servers) {
            CompletableFuture<Void> c = new CompletableFuture<>();
            s.close().addListener(x -> c.complete(null));
            closes.add(c);
        }
        servers.clear();
        loops.next().schedule(() -> loops.shutdownGracefully(0, 2, TimeUnit.SECONDS), graceMillis + 100,
                TimeUnit.MILLISECONDS);
        return CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new));
    }

    /** MQTT over WebSocket, inbound: the binary frames' bytes (a text frame ends the connection). */
    private static final class FramesToBytes extends MessageToMessageDecoder<WebSocketFrame> {
        @Override
        protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
            if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
                out.add(frame.content().retain());
            } else {
                ctx.close(); // MQTT over WebSocket is binary only (MQTT 5 §6)
            }
        }
    }

    /** MQTT over WebSocket, outbound: each encoded packet in one binary frame. */
    private static final class BytesToFrames extends MessageToMessageEncoder<ByteBuf> {
        @Override
        protected void encode(ChannelHandlerContext ctx, ByteBuf bytes, List<Object> out) {
            out.add(new BinaryWebSocketFrame(bytes.retain()));
        }
    }
}
