package io.edgeauth.broker.mqtt.wire;

import io.edgeauth.broker.admission.AdmissionControl;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The whole pipeline of a new TLS connection until it is admitted: the connection takes a handshake permit from
 * the node's {@link AdmissionControl} or is closed at once, unread, so a storm of new TLS connections cannot
 * queue more handshake work than {@code admission.maxPendingTlsHandshakes} (a full handshake costs a millisecond
 * or more of CPU; a shed connection costs an accept and a close: its TLS engine and MQTT handlers are only
 * built once it is admitted). The permit is returned when the handshake ends: done, failed, timed out or
 * closed. The device SDK retries such a close with a jittered backoff.
 */
final class HandshakeAdmission extends ChannelInboundHandlerAdapter {
    static final String NAME = "handshakeAdmission";
    private final AdmissionControl admission;
    private final Consumer<ChannelPipeline> admitted;

    /** @param admitted appends the connection's handlers, its {@link SslHandler} first */
    HandshakeAdmission(AdmissionControl admission, Consumer<ChannelPipeline> admitted) {
        this.admission = admission;
        this.admitted = admitted;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Optional<AdmissionControl.Permit> permit = admission.tryAdmitHandshake("mqtt");
        if (permit.isEmpty()) {
            ctx.close(); // before the SslHandler sees the connection: no ClientHello is read, no key is used
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        try {
            pipeline.remove(this);
            admitted.accept(pipeline);
            // the handshake future also completes (failed) when the channel closes or the handshake times out
            pipeline.get(SslHandler.class).handshakeFuture().addListener(done -> permit.get().close());
        } catch (RuntimeException e) { // no TLS engine (native memory, say): the place must not stay taken
            permit.get().close();
            ctx.close();
            throw e;
        }
        pipeline.fireChannelActive();
    }
}
