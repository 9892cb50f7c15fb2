package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.router.Delivery;
import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.Subscriber;
import io.edgeauth.broker.router.SubscriberQueue;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Delivery and flow control of one {@link MqttConnection}: writes the session queue's deliveries to the
 * client (batched flushes, packet ids, PUBACKs back to the queue) and pauses reading from this client while
 * subscribers it publishes to are congested. Runs on the connection's event loop.
 */
final class MqttDelivery {
    private final MqttConnection c;
    private int nextId = 1;
    private final Map<Integer, Delivery> outgoing = new HashMap<>();
    private boolean paused;
    private int pauseGeneration;
    private int pendingWritable;
    private ScheduledFuture<?> pauseTimer;
    /** The client's Maximum Packet Size (MQTT 5), {@link ClientPacketLimit#NONE} without one. */
    private long clientLimit = ClientPacketLimit.NONE;

    MqttDelivery(MqttConnection c) {
        this.c = c;
    }

    /** Whether the packet ids this connection sends are kept for resends after a resume (attach). */
    private boolean keepIds;

    /** Starts delivering the session's queue to this connection, at most {@code window} unacknowledged. */
    void attach(int window) {
        clientLimit = c.v5 ? ClientPacketLimit.of(c.endpoint.connectProperties()) : ClientPacketLimit.NONE;
        c.state.newConnection();
        synchronized (c.state) {
            // only a session that outlives this connection can be resumed with its resends: a session without an
            // expiry pays nothing per message for them (two locked map operations, about 4 % of a QoS 1 delivery)
            keepIds = c.state.expirySeconds > 0;
        }
        c.state.queue.attach(new Sink(), c.executor, window); // the channel's writability wakes it up (MqttConnection)
    }

    /** Whether reading from this client is paused for congested subscribers. */
    boolean paused() {
        return paused;
    }

    /** The connection closed: no resume is due any more. */
    void close() {
        if (pauseTimer != null) {
            pauseTimer.cancel(false);
            pauseTimer = null;
        }
    }

    /** Pauses reading from this publisher until every congested subscriber drained (or the timeout). */
    void backpressure(List<Subscriber> congested) {
        List<Subscriber> others = new ArrayList<>(congested);
        others.remove(c.state.queue); // never wait on ourselves: our own acks arrive on this socket
        if (others.isEmpty()) {
            return;
        }
        if (!paused) {
            paused = true;
            pauseGeneration++;
            pendingWritable = 0;
            c.endpoint.pauseReading(true);
            c.edge.metrics.paused();
            pauseTimer = c.eventLoop.schedule(c.guarded(this::resumeReading), c.edge.settings.backpressureTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        int generation = pauseGeneration;
        for (Subscriber s : others) {
            pendingWritable++;
            s.whenWritable(() -> c.executor.execute(() -> {
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
        close();
        if (!c.closed) {
            c.endpoint.pauseReading(false);
        }
    }

    private final class Sink implements SubscriberQueue.Sink {
        @Override
        public void send(Delivery d) {
            if (c.closed || c.closing || c.state == null || c.state.owner != c) {
                return; // requeued by detach/attach
            }
            RoutedMessage m = d.message();
            long now = m.attributes().expiresAtMillis() == 0 ? 0 : c.edge.clock.millis();
            if (m.expiredAt(now)) {
                // MQTT 5 §3.3.2.3.3: expired, so it is deleted for this subscriber. A resend too (after a reconnect or a
                // restart, nobody knows whether the first copy arrived): what expired is not handed out again.
                // Handled as if sent, as below
                c.edge.metrics.drop(SubscriberQueue.DROP_EXPIRED);
                if (d.qos() > 0) {
                    settled(m);
                    c.state.queue.acknowledged(d);
                }
                return;
            }
            if (clientLimit != ClientPacketLimit.NONE && ClientPacketLimit.publishSize(m.topic(), d.qos(),
                    m.userProperties(), m.attributes(), m.payload().length) > clientLimit) {
                // MQTT 5 §3.1.2.11.4: discarded, and handled as if sent: a QoS 1 one is not left holding a slot of
                // the inflight window for a PUBACK that cannot come
                c.edge.metrics.drop("client_maximum_packet_size");
                if (d.qos() > 0) {
                    settled(m);
                    c.state.queue.acknowledged(d);
                }
                return;
            }
            int id = 0;
            if (d.qos() > 0) {
                // a resend keeps the id it went out with before ([MQTT-4.4.0-1]) unless that id is taken here already
                int earlier = d.duplicate() ? c.state.earlierId(m) : 0;
                id = earlier > 0 && !outgoing.containsKey(earlier) ? earlier : nextPacketId();
                outgoing.put(id, d);
                if (keepIds) {
                    c.state.sent(m, id);
                }
            }
            // the payload is immutable and shared, so it is wrapped, not copied; the encoder copies it once into
            // the frame. On the event loop the write is flushed once per batch (MqttChannel#send)
            c.endpoint.send(new MqttPublishMessage(
                    new MqttFixedHeader(MqttMessageType.PUBLISH, d.duplicate(), MqttQoS.valueOf(d.qos()), m.retain(), 0),
                    new MqttPublishVariableHeader(m.topic(), id, outgoingProperties(m, now)),
                    Unpooled.wrappedBuffer(m.payload())));
            c.edge.metrics.out();
        }

        /**
         * The channel's writability (its outbound bytes under the high-water mark): a subscriber that stops
         * reading must not grow the channel's outbound buffer without bound.
         */
        @Override
        public boolean ready() {
            return c.endpoint.isWritable();
        }

        @Override
        public boolean onExecutorThread() {
            return c.eventLoop.inEventLoop();
        }
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

    void onPuback(int packetId) {
        Delivery d = outgoing.remove(packetId);
        if (d != null) {
            settled(d.message());
            c.state.queue.acknowledged(d);
        }
    }

    /**
     * The properties a subscriber's PUBLISH carries: the publisher's user properties and the message's other
     * properties unaltered (§3.3.2.3), the expiry as what is left of it at {@code nowMillis}. MQTT 3.1.1 has none.
     */
    private MqttProperties outgoingProperties(RoutedMessage m, long nowMillis) {
        MessageAttributes a = m.attributes();
        if (!c.v5 || m.userProperties().isEmpty() && a == MessageAttributes.NONE) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties p = new MqttProperties();
        if (a.expiresAtMillis() != 0) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
                    (int) a.remainingSeconds(nowMillis)));
        }
        if (a.payloadFormat() >= 0) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, a.payloadFormat()));
        }
        if (a.contentType() != null) {
            p.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, a.contentType()));
        }
        if (a.responseTopic() != null) {
            p.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC, a.responseTopic()));
        }
        if (a.correlationData() != null) {
            p.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, a.correlationData()));
        }
        if (!m.userProperties().isEmpty()) {
            List<MqttProperties.StringPair> pairs = new ArrayList<>();
            for (RoutedMessage.UserProperty up : m.userProperties()) {
                pairs.add(new MqttProperties.StringPair(up.name(), up.value()));
            }
            p.add(new MqttProperties.UserProperties(pairs));
        }
        return p;
    }

    void countDrop(String reason) {
        c.edge.metrics.drop(reason);
    }

    private void settled(io.edgeauth.broker.router.RoutedMessage m) {
        if (keepIds) {
            c.state.settled(m);
        }
    }
}
