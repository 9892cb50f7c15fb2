package io.edgeauth.broker.bench;

import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;

/**
 * A bare Vert.x MQTT server that accepts every CONNECT and does nothing else: the floor that any
 * Vert.x-based broker's idle session sits on, measured beside ours by {@link IdleSessionFootprint}
 * ({@code -Dbench.target=bare}). Prints {@code mqtt PORT} once listening; runs until killed.
 */
public final class BareMqttServer {
    private BareMqttServer() {
    }

    public static void main(String[] args) throws Exception {
        Vertx vertx = Vertx.vertx();
        MqttServer server = MqttServer.create(vertx, new MqttServerOptions().setHost("127.0.0.1").setPort(0));
        server.endpointHandler(endpoint -> endpoint.accept(false)).listen().toCompletionStage().toCompletableFuture().get();
        System.out.println("  mqtt " + server.actualPort());
        System.out.println("  admin (none)");
        System.out.flush();
        Thread.currentThread().join();
    }
}
