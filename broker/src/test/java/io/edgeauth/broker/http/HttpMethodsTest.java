package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * RFC 9110 on methods: a 405 carries {@code Allow} with the path's methods (§15.5.6), and HEAD is served wherever GET
 * is, without the body (§9.1, §9.3.2). Before, every 405 came without {@code Allow} and HEAD got 405 everywhere
 * (the API audit's A2, A3): load balancers and uptime checks probe with HEAD.
 */
class HttpMethodsTest extends InProcessBrokerTest {
    @Test
    void headIsGetWithoutTheBody() throws Exception {
        HttpResponse<String> get = send("GET", "/.well-known/jwks.json", false);
        HttpResponse<String> head = send("HEAD", "/.well-known/jwks.json", false);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-type")).isEqualTo(get.headers().firstValue("content-type"));
        assertThat(send("HEAD", "/health/live", false).statusCode()).isEqualTo(200);
        assertThat(send("HEAD", "/admin/devices/nobody", true).statusCode()).as("as GET: unknown").isEqualTo(404);
        assertThat(send("HEAD", "/admin/devices/nobody", false).statusCode()).as("as GET: no credential").isEqualTo(401);
    }

    @Test
    void aMethodNotAllowedNamesTheAllowedOnes() throws Exception {
        HttpResponse<String> token = send("GET", "/oauth/token", false);
        assertThat(token.statusCode()).isEqualTo(405);
        assertThat(token.headers().firstValue("allow")).hasValue("POST");
        assertThat(send("DELETE", "/health", false).headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(send("PATCH", "/admin/devices/x", true).headers().firstValue("allow")).hasValue("DELETE, GET, HEAD, PUT");
        assertThat(send("GET", "/admin/devices:bulk", true).headers().firstValue("allow")).hasValue("POST");
    }

    private static HttpResponse<String> send(String method, String path, boolean asAdmin) {
        return (asAdmin ? admin : anonymous).method(method, path);
    }
}
