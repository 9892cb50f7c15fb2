package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.Subscriber;
import io.edgeauth.broker.router.SubscriberQueue;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Delivery and flow control of one {@link MqttConnection}: writes the session queue's deliveries to the
 * client (batched flushes, packet ids, PUBACKs back to the queue) and pauses reading from this client while
 * subscribers it publishes to are congested. Runs on the connection's event loop.
 */
final class MqttDelivery {
    private final MqttConnection c;
    private int nextId = 1;
    private final Map<Integer, SubscriberQueue.Delivery> outgoing = new HashMap<>();
    private boolean paused;
    private int pauseGeneration;
    private int pendingWritable;
    private long pauseTimer = -1;
    /** A flush of batched deliveries is queued on the event loop (see {@code Sink.writeBatched}). */
    private boolean flushPending;
    private final Runnable flushTask = this::flushDeliveries;

    MqttDelivery(MqttConnection c) {
        this.c = c;
    }

    /** Starts delivering the session's queue to this connection, at most {@code window} unacknowledged. */
    void attach(int window) {
        c.state.queue.attach(new Sink(), c.executor, window);
        if (c.socket != null) {
            c.socket.drainHandler(v -> c.state.queue.wakeUp());
        }
        if (c.writer != null) {
            // deliveries are written to the channel directly (writeBatched), past Vert.x's write queue, whose
            // drain handler therefore never fires: resume on the channel's own writability instead
            c.writer.channelHandlerContext().pipeline().addFirst(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    if (ctx.channel().isWritable() && c.state != null) {
                        c.state.queue.wakeUp();
                    }
                    ctx.fireChannelWritabilityChanged();
                }
            });
        }
    }

    /** Whether reading from this client is paused for congested subscribers. */
    boolean paused() {
        return paused;
    }

    /** The connection closed: no resume is due any more. */
    void close() {
        if (pauseTimer >= 0) {
            c.edge.vertx.cancelTimer(pauseTimer);
        }
    }

    /** Pauses reading from this publisher until every congested subscriber drained (or the timeout). */
    void backpressure(List<Subscriber> congested) {
        if (c.socket == null) {
            return;
        }
        List<Subscriber> others = new ArrayList<>(congested);
        others.remove(c.state.queue); // never wait on ourselves: our own acks arrive on this socket
        if (others.isEmpty()) {
            return;
        }
        if (!paused) {
            paused = true;
            pauseGeneration++;
            pendingWritable = 0;
            c.socket.pause();
            c.edge.metrics.paused();
            pauseTimer = c.edge.vertx.setTimer(c.edge.settings.backpressureTimeout().toMillis(), id -> resumeReading());
        }
        int generation = pauseGeneration;
        for (Subscriber s : others) {
            pendingWritable++;
            s.whenWritable(() -> c.context.runOnContext(v -> {
                if (generation == pauseGeneration && --pendingWritable <= 0) {
                    resumeReading();
                }
            }));
        }
    }

    private void resumeReading() {
        if (!paused) {
            return;
        }
        paused = false;
        pauseGeneration++;
        if (pauseTimer >= 0) {
            c.edge.vertx.cancelTimer(pauseTimer);
            pauseTimer = -1;
        }
        if (!c.closed) {
            c.socket.resume();
        }
    }

    private final class Sink implements SubscriberQueue.Sink {
        @Override
        public void send(SubscriberQueue.Delivery d) {
            if (c.closed || c.closing || c.state == null || c.state.owner != c) {
                return; // requeued by detach/attach
            }
            int id = 0;
            if (d.qos() > 0) {
                id = nextPacketId();
                outgoing.put(id, d);
            }
            RoutedMessage m = d.message();
            MqttQoS qos = MqttQoS.valueOf(d.qos());
            if (c.writer != null && c.endpoint.isConnected()) {
                // what endpoint.publish writes, without its two payload copies (Buffer -> byte[] -> ByteBuf):
                // the payload is immutable and shared, so it is wrapped; the encoder copies it once into the frame
                MqttPublishMessage frame = new MqttPublishMessage(
                        new MqttFixedHeader(MqttMessageType.PUBLISH, d.duplicate(), qos, m.retain(), 0),
                        new MqttPublishVariableHeader(m.topic(), id, outgoingProperties(m)),
                        Unpooled.wrappedBuffer(m.payload()));
                if (c.eventLoop != null && c.eventLoop.inEventLoop()) {
                    writeBatched(frame);
                } else {
                    c.writer.writeMessage(frame);
                }
            } else {
                c.endpoint.publish(m.topic(), Buffer.buffer(m.payload()), qos, d.duplicate(), m.retain(), id,
                        outgoingProperties(m));
            }
            c.edge.metrics.out();
        }

        /**
         * Writes without flushing and flushes once after the current event-loop task: Vert.x flushes every
         * write made outside a read of this socket, which cost one write(2) per delivered message; a
         * drain now leaves in one gathering write. Netty keeps the order with any other write.
         */
        private void writeBatched(Object frame) {
            ChannelHandlerContext ctx = c.writer.channelHandlerContext();
            ctx.write(frame, ctx.voidPromise());
            if (!flushPending) {
                flushPending = true;
                c.eventLoop.execute(flushTask);
            }
        }

        /**
         * The channel's own writability (its outbound bytes under the high-water mark), not only Vert.x's
         * write queue: deliveries bypass that queue, so it alone never fills and a subscriber that stops
         * reading would grow the channel's outbound buffer without bound.
         */
        @Override
        public boolean ready() {
            if (c.writer != null && !c.writer.channelHandlerContext().channel().isWritable()) {
                return false;
            }
            return c.socket == null || !c.socket.writeQueueFull();
        }

        @Override
        public boolean onExecutorThread() {
            return c.eventLoop != null && c.eventLoop.inEventLoop();
        }
    }

    private void flushDeliveries() {
        flushPending = false;
        c.writer.channelHandlerContext().flush();
    }

    private int nextPacketId() {
        for (int i = 0; i < 65535; i++) {
            int id = nextId;
            nextId = nextId == 65535 ? 1 : nextId + 1;
            if (!outgoing.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id"); // impossible: the inflight window is <= 65535
    }

    void onPuback(Integer packetId) {
        SubscriberQueue.Delivery d = outgoing.remove(packetId);
        if (d != null) {
            c.state.queue.acknowledged(d);
        }
    }

    private MqttProperties outgoingProperties(RoutedMessage m) {
        if (!c.v5 || m.userProperties().isEmpty()) {
            return MqttProperties.NO_PROPERTIES;
        }
        List<MqttProperties.StringPair> pairs = new ArrayList<>();
        for (RoutedMessage.UserProperty up : m.userProperties()) {
            pairs.add(new MqttProperties.StringPair(up.name(), up.value()));
        }
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.UserProperties(pairs));
        return p;
    }

    void countDrop(String reason) {
        c.edge.metrics.drop(reason);
    }
}
