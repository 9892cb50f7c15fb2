package io.edgeauth.broker.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The MQTT side of {@link OnboardingLoad}'s devices: one connection per device on a shared Netty event loop with
 * Netty's MQTT codec, doing only what the bench measures: MQTT 5 CONNECT with the token as password, one QoS 1
 * PUBLISH, its PUBACK, DISCONNECT.
 *
 * <p>Why not the HiveMQ client as the device SDK uses: a load client must cost far less per device than the broker
 * it drives, or the bench measures itself (as {@link MqttWire} says for the message benches). A HiveMQ client per
 * device builds its own configuration and component graph on each connect; with it the load client spent more CPU
 * per new device than the broker.
 */
final class OnboardingMqtt implements AutoCloseable {
    private static final int MAX_PACKET_BYTES = 64 * 1024;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("onboarding-mqtt", true), NioIoHandler.newFactory());
    private final Bootstrap bootstrap;

    OnboardingMqtt(InetSocketAddress broker) {
        bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class).remoteAddress(broker)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
    }

    /**
     * CONNECT as {@code deviceId} with {@code token}, one QoS 1 PUBLISH to {@code topic}, DISCONNECT. Sets
     * {@code t[1]} at CONNACK and {@code t[2]} at PUBACK ({@link System#nanoTime()}); fails on a refusal, a closed
     * connection or 60 s without an answer.
     */
    CompletableFuture<Void> connectPublish(String deviceId, byte[] token, String topic, long[] t) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Bootstrap b = bootstrap.clone().handler(new io.netty.channel.ChannelInitializer<NioSocketChannel>() {
            @Override
            protected void initChannel(NioSocketChannel ch) {
                ch.pipeline().addLast(new MqttDecoder(MAX_PACKET_BYTES), MqttEncoder.INSTANCE, new Device(done, topic, t));
            }
        });
        b.connect().addListener((io.netty.channel.ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                done.completeExceptionally(f.cause());
                return;
            }
            f.channel().writeAndFlush(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5)
                    .clientId(deviceId).username(deviceId).password(token).cleanSession(true).keepAlive(60).build());
            var timeout = f.channel().eventLoop().schedule(() -> {
                if (done.completeExceptionally(new IllegalStateException(deviceId + ": no answer in 60 s"))) {
                    f.channel().close();
                }
            }, 60, TimeUnit.SECONDS);
            done.whenComplete((v, e) -> timeout.cancel(false));
        });
        return done;
    }

    /** One device's connection: CONNACK -> PUBLISH, PUBACK -> DISCONNECT and close. */
    private static final class Device extends SimpleChannelInboundHandler<MqttMessage> {
        private final CompletableFuture<Void> done;
        private final String topic;
        private final long[] t;

        Device(CompletableFuture<Void> done, String topic, long[] t) {
            this.done = done;
            this.topic = topic;
            this.t = t;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            MqttMessageType type = msg.fixedHeader().messageType();
            if (type == MqttMessageType.CONNACK) {
                MqttConnectReturnCode code = ((MqttConnAckMessage) msg).variableHeader().connectReturnCode();
                if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                    fail(ctx, "CONNACK " + code);
                    return;
                }
                t[1] = System.nanoTime();
                ctx.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE).messageId(1)
                        .payload(Unpooled.wrappedBuffer(new byte[16])).build());
            } else if (type == MqttMessageType.PUBACK) {
                Object header = msg.variableHeader();
                int reason = header instanceof MqttPubReplyMessageVariableHeader r ? r.reasonCode() : 0;
                if (reason >= 0x80) {
                    fail(ctx, "PUBACK reason " + reason);
                    return;
                }
                t[2] = System.nanoTime();
                ctx.writeAndFlush(MqttMessageBuilders.disconnect().build()).addListener(f -> ctx.close());
                done.complete(null);
            } else if (type == MqttMessageType.DISCONNECT) {
                fail(ctx, "DISCONNECT from the broker");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("connection closed"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            done.completeExceptionally(new IllegalStateException(why));
            ctx.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
