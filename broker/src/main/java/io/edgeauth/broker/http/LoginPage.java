package io.edgeauth.broker.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;

/**
 * The wallet sign-in page: {@code GET /login} (static HTML, its script and style from
 * {@code webroot/} on the class path, read once) and {@code GET /login/config}
 * ({@code {mqttWebSocketPort, mqttWebSocketPath}}, so the page finds the MQTT-over-WebSocket
 * listener; port -1 when it is off). Nothing is loaded from elsewhere: the content security policy
 * allows only this origin, plus WebSocket connections for MQTT.
 */
final class LoginPage {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final IntSupplier mqttWebSocketPort;
    private final Buffer html = resource("login.html");
    private final Buffer script = resource("login.js");
    private final Buffer style = resource("login.css");

    LoginPage(IntSupplier mqttWebSocketPort) {
        this.mqttWebSocketPort = mqttWebSocketPort;
    }

    void mount(Router router) {
        router.get("/login").handler(ctx -> serve(ctx, html, "text/html; charset=utf-8"));
        router.get("/login/login.js").handler(ctx -> serve(ctx, script, "text/javascript; charset=utf-8"));
        router.get("/login/login.css").handler(ctx -> serve(ctx, style, "text/css; charset=utf-8"));
        router.get("/login/config").handler(ctx -> HttpErrors.json(ctx, 200, new JsonObject()
                .put("mqttWebSocketPort", mqttWebSocketPort.getAsInt())
                .put("mqttWebSocketPath", "/mqtt")));
    }

    private static void serve(RoutingContext ctx, Buffer body, String type) {
        ctx.response().putHeader("content-type", type)
                .putHeader("content-security-policy", CSP)
                .putHeader("x-content-type-options", "nosniff")
                .putHeader("x-frame-options", "DENY")
                .putHeader("referrer-policy", "no-referrer")
                .putHeader("cache-control", "no-cache")
                .end(body);
    }

    private static Buffer resource(String name) {
        try (InputStream in = LoginPage.class.getClassLoader().getResourceAsStream("webroot/" + name)) {
            if (in == null) {
                throw new IllegalStateException("webroot/" + name + " is missing from the class path");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
