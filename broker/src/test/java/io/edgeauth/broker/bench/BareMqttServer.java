package io.edgeauth.broker.bench;

import io.edgeauth.broker.policy.TopicFilters;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.MqttTopicSubscription;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Bare Vert.x MQTT servers, the floors our edge is measured against. Accepts every CONNECT; no auth, no
 * ACL, no queues, no flow control. Prints {@code mqtt PORT} once listening; runs until killed.
 * <ul>
 * <li>{@code BareMqttServer} (idle): does nothing else: the heap floor under any Vert.x MQTT broker,
 * measured beside ours by {@link IdleSessionFootprint} ({@code -Dbench.target=bare}).</li>
 * <li>{@code BareMqttServer relay PORT}: also relays each PUBLISH to the matching subscribers (one server
 * instance per core, like the edge), acknowledging QoS 1 at once: the throughput floor of
 * {@code bench/mqtt-bench vertx-relay}. Without flow control its QoS 1 fan-in queues without bound.</li>
 * </ul>
 */
public final class BareMqttServer {
    private record Sub(MqttEndpoint endpoint, String filter, int qos) {
    }

    private BareMqttServer() {
    }

    public static void main(String[] args) throws Exception {
        Vertx vertx = Vertx.vertx();
        boolean relay = args.length > 0 && args[0].equals("relay");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        MqttServerOptions options = new MqttServerOptions().setHost("127.0.0.1").setPort(port);
        int actualPort;
        if (relay) {
            List<Sub> subs = new CopyOnWriteArrayList<>();
            vertx.deployVerticle(() -> new AbstractVerticle() {
                @Override
                public void start(Promise<Void> started) {
                    MqttServer.create(vertx, options).endpointHandler(e -> relay(e, subs)).listen()
                            .<Void>mapEmpty().onComplete(started);
                }
            }, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
                    .toCompletionStage().toCompletableFuture().get();
            actualPort = port;
        } else {
            MqttServer server = MqttServer.create(vertx, options);
            server.endpointHandler(endpoint -> endpoint.accept(false)).listen().toCompletionStage().toCompletableFuture().get();
            actualPort = server.actualPort();
        }
        System.out.println("  mqtt " + actualPort);
        System.out.println("  admin (none)");
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void relay(MqttEndpoint e, List<Sub> subs) {
        e.subscribeHandler(s -> {
            List<MqttQoS> granted = new java.util.ArrayList<>();
            for (MqttTopicSubscription t : s.topicSubscriptions()) {
                int qos = Math.min(1, t.qualityOfService().value());
                subs.add(new Sub(e, t.topicName(), qos));
                granted.add(MqttQoS.valueOf(qos));
            }
            e.subscribeAcknowledge(s.messageId(), granted);
        });
        e.publishHandler(m -> {
            for (Sub sub : subs) {
                if (TopicFilters.matches(sub.filter(), m.topicName())) {
                    sub.endpoint().publish(m.topicName(), m.payload(),
                            MqttQoS.valueOf(Math.min(sub.qos(), m.qosLevel().value())), false, false);
                }
            }
            if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                e.publishAcknowledge(m.messageId());
            }
        });
        e.closeHandler(v -> subs.removeIf(s -> s.endpoint() == e));
        e.accept(false);
    }
}
