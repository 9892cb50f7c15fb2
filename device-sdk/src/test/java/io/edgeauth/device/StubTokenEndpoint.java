package io.edgeauth.device;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A JDK HTTP server on an ephemeral port that answers POST /oauth/token with a canned reply. */
final class StubTokenEndpoint implements AutoCloseable {
    /** What to answer. */
    interface Reply {
        void send(HttpExchange ex) throws IOException;
    }

    final HttpServer server;
    final ConcurrentLinkedQueue<Map<String, String>> forms = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> contentTypes = new ConcurrentLinkedQueue<>();
    volatile Reply reply = json(200, "{}");

    StubTokenEndpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/oauth/token", ex -> {
            try {
                contentTypes.add(String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
                forms.add(parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                reply.send(ex);
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    static Reply json(int status, String body) {
        return ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        };
    }

    /** Streams {@code size} bytes without a Content-Length (chunked). */
    static Reply chunked(int size) {
        return ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                byte[] chunk = new byte[4096];
                java.util.Arrays.fill(chunk, (byte) 'a');
                for (int sent = 0; sent < size; sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException expected) {
                // the client hung up once it had enough
            }
        };
    }

    private static Map<String, String> parse(String form) {
        Map<String, String> m = new HashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
