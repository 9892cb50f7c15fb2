package io.edgeauth.broker.bridge;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.edgeauth.broker.router.OverflowPolicy;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.Subscription;
import io.edgeauth.broker.router.TopicRouter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a tenant's authorized device traffic to an upstream MQTT broker and brings commands back.
 * Only what the router carries is forwarded: messages that already passed the session ACLs; the
 * topic gets {@code upstreamPrefix}, QoS is 1, and no credential ever leaves (tokens never enter the
 * router; user properties whose names look like credentials are dropped). Upstream publishes under
 * {@code upstreamPrefix + commandFilter} are published locally, prefix stripped, with origin
 * {@value #ORIGIN} (and never forwarded back up).
 *
 * <p>The buffer is a {@link SubscriberQueue}: bounded ({@code bufferSize}, drop-oldest), detached while
 * upstream is away and re-sent after the HiveMQ client's automatic reconnect (exponential backoff
 * between {@code minBackoff} and {@code maxBackoff}). Thread-safe; {@link #start()} / {@link #stop()}.
 */
public final class MqttBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttBridge.class);
    /** Origin of messages the bridge publishes locally. */
    public static final String ORIGIN = "bridge";

    private final BridgeSettings settings;
    private final TopicRouter router;
    private final MeterRegistry meters;
    private final ExecutorService executor;
    private final SubscriberQueue queue;
    private final Mqtt5AsyncClient client;
    private volatile Subscription subscription;
    private volatile boolean stopped;

    public MqttBridge(BridgeSettings settings, TopicRouter router, MeterRegistry meters) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.router = Objects.requireNonNull(router, "router");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mqtt-bridge-" + settings.clientId());
            t.setDaemon(true);
            return t;
        });
        this.queue = new SubscriberQueue("bridge:" + settings.clientId(), settings.bufferSize(), settings.bufferSize(),
                settings.inflight(), OverflowPolicy.DROP_OLDEST,
                reason -> meters.counter("edgeauth.bridge.drops", "bridge", settings.clientId(), "reason", reason).increment());
        Mqtt5ClientBuilder b = MqttClient.builder().useMqttVersion5().identifier(settings.clientId())
                .serverHost(settings.host()).serverPort(settings.port())
                .automaticReconnect()
                .initialDelay(settings.minBackoff().toMillis(), TimeUnit.MILLISECONDS)
                .maxDelay(settings.maxBackoff().toMillis(), TimeUnit.MILLISECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(ctx -> onConnected())
                .addDisconnectedListener(ctx -> onDisconnected(ctx.getCause()));
        if (settings.tls()) {
            b = b.sslWithDefaultConfig();
        }
        this.client = b.buildAsync();
    }

    /** Subscribes locally and connects upstream (the connection is retried in the background). */
    public void start() {
        subscription = router.subscribe(settings.tenant(), settings.localFilter(), 1, queue);
        if (settings.commandFilter() != null) {
            client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.SUBSCRIBED, this::onCommand);
        }
        var connect = client.connectWith().cleanStart(true);
        if (settings.username() != null) {
            connect.simpleAuth().username(settings.username())
                    .password(settings.password() == null ? new byte[0] : settings.password().getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        connect.send().whenComplete((ack, err) -> {
            if (err != null) {
                LOG.warn("bridge {} cannot reach {}:{} yet: {}", settings.clientId(), settings.host(), settings.port(),
                        err.toString());
            }
        });
    }

    public boolean isConnected() {
        return client.getState().isConnected();
    }

    /** Messages waiting for upstream. */
    public int buffered() {
        return queue.queued() + queue.inflight();
    }

    private void onConnected() {
        LOG.info("bridge {} connected to {}:{}", settings.clientId(), settings.host(), settings.port());
        if (settings.commandFilter() != null) {
            client.subscribeWith().topicFilter(settings.upstreamPrefix() + settings.commandFilter())
                    .qos(MqttQos.AT_LEAST_ONCE).send()
                    .whenComplete((ack, err) -> {
                        if (err != null) {
                            LOG.warn("bridge {} command subscription failed: {}", settings.clientId(), err.toString());
                        }
                    });
        }
        queue.attach(this::forward, executor, settings.inflight());
    }

    private void onDisconnected(Throwable cause) {
        queue.detach();
        if (!stopped) {
            LOG.info("bridge {} lost upstream: {}", settings.clientId(), cause == null ? "closed" : cause.toString());
        }
    }

    private void forward(SubscriberQueue.Delivery d) {
        RoutedMessage m = d.message();
        if (ORIGIN.equals(m.origin())) {
            queue.acknowledged(d); // never echo commands back up
            return;
        }
        client.publishWith().topic(settings.upstreamPrefix() + m.topic()).qos(MqttQos.AT_LEAST_ONCE)
                .payload(m.payload()).retain(m.retain()).userProperties(safeProperties(m)).send()
                .whenComplete((result, err) -> {
                    if (err == null) {
                        meters.counter("edgeauth.bridge.forwarded", "bridge", settings.clientId()).increment();
                        queue.acknowledged(d);
                    } // on error the delivery stays inflight and is re-sent after the reconnect (detach requeues it)
                });
    }

    private static Mqtt5UserProperties safeProperties(RoutedMessage m) {
        Mqtt5UserPropertiesBuilder b = Mqtt5UserProperties.builder();
        for (RoutedMessage.UserProperty p : m.userProperties()) {
            String name = p.name().toLowerCase(Locale.ROOT);
            if (name.contains("token") || name.contains("authorization") || name.contains("password")
                    || name.contains("secret")) {
                continue;
            }
            b.add(p.name(), p.value());
        }
        return b.build();
    }

    private void onCommand(Mqtt5Publish publish) {
        String topic = publish.getTopic().toString();
        if (!topic.startsWith(settings.upstreamPrefix())) {
            return;
        }
        String local = topic.substring(settings.upstreamPrefix().length());
        if (local.isEmpty() || local.startsWith("$")) {
            return;
        }
        List<RoutedMessage.UserProperty> props = new ArrayList<>();
        publish.getUserProperties().asList().forEach(p -> props.add(
                new RoutedMessage.UserProperty(p.getName().toString(), p.getValue().toString())));
        router.publish(settings.tenant(), local, publish.getPayloadAsBytes(), 1, false, props, ORIGIN);
        meters.counter("edgeauth.bridge.commands", "bridge", settings.clientId()).increment();
    }

    /** Unsubscribes locally and disconnects upstream (buffered messages are dropped). */
    public void stop() {
        stopped = true;
        Subscription s = subscription;
        if (s != null) {
            router.unsubscribe(s);
        }
        client.disconnect().whenComplete((v, err) -> executor.shutdown());
    }

    @Override
    public void close() {
        stop();
    }
}
