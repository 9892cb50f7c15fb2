package io.edgeauth.broker.mqtt.wire;

import io.edgeauth.broker.admission.AdmissionControl;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The whole pipeline of a new TLS connection until it is admitted. Its first bytes (the start of a ClientHello) take
 * a handshake permit from the node's {@link AdmissionControl}, or the connection is closed at once, so a storm of new
 * TLS connections cannot queue more handshake work than {@code admission.maxPendingTlsHandshakes} (a full handshake
 * costs a millisecond or more of CPU; a shed connection costs an accept and a close: its TLS engine and MQTT handlers
 * are only built once it is admitted). The permit is taken on the first bytes, not on accept: connections that send
 * nothing cost no handshake work, and when they held permits 1,000 of them shut out every TLS, WebSocket and DTLS
 * handshake of the node (the pool is shared). A connection silent, or with its handshake unfinished, at
 * {@code mqtt.connectTimeout} from its accept is closed. The permit is returned when the handshake ends: done,
 * failed, timed out or closed. The device SDK retries such a close with a jittered backoff.
 */
final class HandshakeAdmission extends ChannelInboundHandlerAdapter {
    static final String NAME = "handshakeAdmission";
    /** When the connection was accepted ({@link System#nanoTime}): its CONNECT is due {@code connectTimeout} after. */
    private static final AttributeKey<Long> ACCEPTED_AT = AttributeKey.valueOf("edgeauth.acceptedAt");
    private final AdmissionControl admission;
    private final long connectTimeoutMillis;
    private final Consumer<ChannelPipeline> admitted;
    private final TlsRefusals refusals;
    private ScheduledFuture<?> silence;

    /**
     * @param admitted appends the connection's handlers, its {@link SslHandler} first
     * @param refusals where a refused client certificate is traced, with this connection's peer
     */
    HandshakeAdmission(AdmissionControl admission, long connectTimeoutMillis, Consumer<ChannelPipeline> admitted,
                       TlsRefusals refusals) {
        this.admission = admission;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.admitted = admitted;
        this.refusals = refusals;
    }

    /** What is left of {@code connectTimeoutMillis} for this channel: counted from its accept where that is known. */
    static long remainingMillis(Channel channel, long connectTimeoutMillis) {
        Long acceptedAt = channel.attr(ACCEPTED_AT).get();
        if (acceptedAt == null) {
            return connectTimeoutMillis;
        }
        return Math.max(1, connectTimeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedAt));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().attr(ACCEPTED_AT).set(System.nanoTime());
        silence = ctx.executor().schedule(() -> ctx.close(), connectTimeoutMillis, TimeUnit.MILLISECONDS);
        // not passed on: the TLS and MQTT handlers see the connection become active once it is admitted
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        silence.cancel(false);
        Optional<AdmissionControl.Permit> permit = admission.tryAdmitHandshake("mqtt");
        if (permit.isEmpty()) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // before the SslHandler sees the bytes: no ClientHello is parsed, no key is used
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        try {
            pipeline.remove(this);
            admitted.accept(pipeline);
            SslHandler tls = pipeline.get(SslHandler.class);
            tls.setHandshakeTimeoutMillis(remainingMillis(ctx.channel(), connectTimeoutMillis));
            // the handshake future also completes (failed) when the channel closes or the handshake times out
            Channel channel = ctx.channel();
            tls.handshakeFuture().addListener(done -> {
                permit.get().close();
                if (!done.isSuccess()) {
                    refusals.handshakeFailed(channel, done.cause());
                }
            });
        } catch (RuntimeException e) { // no TLS engine (native memory, say): the place must not stay taken
            permit.get().close();
            ReferenceCountUtil.release(msg);
            ctx.close();
            throw e;
        }
        pipeline.fireChannelActive();
        pipeline.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (silence != null) {
            silence.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
