package io.edgeauth.simulator;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double of a broken MQTT broker: it accepts every CONNECT whatever the token (forged ones
 * too) and acknowledges every PUBLISH. A simulator run against it must fail. Made {@code busyFirst}, it
 * sheds each client id's first CONNECT as a loaded broker does (MQTT 5 0x89 Server busy, 3.1.1 0x03 Server
 * unavailable) and accepts the next.
 */
final class AcceptAllMqttBroker implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final java.util.Set<String> shed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final AtomicInteger connects = new AtomicInteger();

    AcceptAllMqttBroker() throws InterruptedException {
        this(false);
    }

    AcceptAllMqttBroker(boolean busyFirst) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new SimpleChannelInboundHandler<MqttMessage>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
                                if (m instanceof MqttConnectMessage c) {
                                    connects.incrementAndGet();
                                    if (busyFirst && shed.add(c.payload().clientIdentifier())) {
                                        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(c.variableHeader().version() == 5
                                                ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
                                                : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE).build());
                                        ctx.close();
                                        return;
                                    }
                                    ctx.writeAndFlush(MqttMessageBuilders.connAck()
                                            .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).build());
                                } else if (m instanceof MqttPublishMessage p && p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                                    ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
                                } else if (m.fixedHeader() != null && m.fixedHeader().messageType() == io.netty.handler.codec.mqtt.MqttMessageType.DISCONNECT) {
                                    ctx.close();
                                }
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully().syncUninterruptibly();
    }
}
