package io.edgeauth.broker.mqtt;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.util.ReferenceCountUtil;

/**
 * Ends an MQTT 5 connection with DISCONNECT 0x82 (protocol error) when an AUTH packet carries a reason
 * code MQTT 5 does not define for AUTH (only 0x00, 0x18 and 0x19 exist, MQTT 5 §3.15.2.1). Without it
 * vertx-mqtt's connection handler throws on such a packet ({@code MqttAuthenticateReasonCode.valueOf})
 * before any of our code runs, and the client gets no answer (found by {@code MqttPacketFuzzTest}).
 * Installed in front of Vert.x's handler; a hand-written check because vertx-mqtt offers no hook there.
 */
final class AuthReasonGuard extends ChannelDuplexHandler {
    static final String NAME = "edgeauthAuthReasonGuard";
    private static final String VERTX_HANDLER = "handler";

    /** Puts the guard in front of Vert.x's handler, once. */
    static void install(ChannelPipeline pipeline) {
        if (pipeline.get(NAME) == null && pipeline.get(VERTX_HANDLER) != null) {
            pipeline.addBefore(VERTX_HANDLER, NAME, new AuthReasonGuard());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttMessage m && m.fixedHeader() != null
                && m.fixedHeader().messageType() == MqttMessageType.AUTH
                && m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                && !defined(h.reasonCode())) {
            ReferenceCountUtil.release(msg);
            ctx.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode(MqttReasons.PROTOCOL_ERROR).build())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean defined(byte reason) {
        return reason == 0x00 || reason == 0x18 || reason == 0x19;
    }
}
