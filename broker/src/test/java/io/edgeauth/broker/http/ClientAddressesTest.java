package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.audit.AuditAddress;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tour O, F16: behind a reverse proxy every request was the proxy's. A trusted proxy's {@code Forwarded} or
 * {@code X-Forwarded-For} names the client (the nearest hop not itself a trusted proxy, read from the right); anyone
 * else's headers are ignored, and a hop that is not an IP literal ends the reading at the proxy.
 */
class ClientAddressesTest {
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    /** A server that answers each request with the client address {@link ClientAddresses} resolved for it. */
    private String server(List<String> trusted) throws Exception {
        Router router = Router.router(vertx);
        router.route().handler(new ClientAddresses(trusted)::handle);
        router.route().handler(ctx -> {
            SocketAddress a = ClientAddresses.of(ctx);
            ctx.response().end(AuditAddress.of(a.hostAddress(), a.port()));
        });
        HttpServer s = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        return "http://127.0.0.1:" + s.actualPort() + "/";
    }

    private String ask(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aTrustedProxysHeadersNameTheClientAndAnyoneElsesAreIgnored() throws Exception {
        String direct = server(List.of());
        assertThat(ask(direct, "X-Forwarded-For", "203.0.113.7")).as("not a trusted proxy: the header is the client's text")
                .startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:0");

        String proxied = server(List.of("127.0.0.0/8", "10.0.0.5"));
        assertThat(ask(proxied, "X-Forwarded-For", "203.0.113.7")).isEqualTo("203.0.113.7:0");
        assertThat(ask(proxied, "X-Forwarded-For", "1.2.3.4, 203.0.113.7")).as("a client's own hops on the left")
                .isEqualTo("203.0.113.7:0");
        assertThat(ask(proxied, "X-Forwarded-For", "203.0.113.7, 10.0.0.5")).as("a chain of trusted proxies")
                .isEqualTo("203.0.113.7:0");
        assertThat(ask(proxied, "Forwarded", "for=\"[2001:db8::7]:4711\";proto=https", "X-Forwarded-For", "1.2.3.4"))
                .as("RFC 7239 first").isEqualTo("[2001:db8:0:0:0:0:0:7]:4711");
        assertThat(ask(proxied, "Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")).isEqualTo("192.0.2.60:0");
        assertThat(ask(proxied, "X-Forwarded-For", "evil.example, 203.0.113.7")).isEqualTo("203.0.113.7:0");
        assertThat(ask(proxied, "X-Forwarded-For", "203.0.113.7, evil.example")).as("a hop no trusted proxy wrote")
                .startsWith("127.0.0.1:");
        assertThat(ask(proxied, "Forwarded", "for=_hidden")).startsWith("127.0.0.1:");
        assertThat(ask(proxied)).as("no header: the proxy itself").startsWith("127.0.0.1:");
    }

    @Test
    void onlyIpLiteralsAndRangesAreTrusted() {
        assertThatThrownBy(() -> new ClientAddresses(List.of("proxy.internal"))).hasMessageContaining("proxy.internal");
        assertThatThrownBy(() -> new ClientAddresses(List.of("10.0.0.0/33"))).hasMessageContaining("0 to 32");
        ClientAddresses a = new ClientAddresses(List.of("10.0.0.0/8", "2001:db8::/32"));
        assertThat(a.trusted("10.200.3.4")).isTrue();
        assertThat(a.trusted("11.0.0.1")).isFalse();
        assertThat(a.trusted("2001:db8::99")).isTrue();
        assertThat(a.trusted("name.example")).isFalse();
        assertThat(ClientAddresses.literal("192.0.2.7:8080").port()).isEqualTo(8080);
        assertThat(ClientAddresses.literal("192.0.2.7:99999")).isNull();
        assertThat(ClientAddresses.literal("[::1")).isNull();
    }
}
