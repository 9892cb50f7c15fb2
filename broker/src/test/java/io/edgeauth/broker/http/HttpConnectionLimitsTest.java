package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections that send nothing: before, the HTTP listener held each open for good, and one client with a few
 * thousand of them from a handful of addresses took every file descriptor of the process (MQTT stopped accepting
 * too). Now a silent connection is closed after {@code http.idleTimeout}, and connections past
 * {@code http.maxConnectionsPerAddress} or {@code http.maxConnections} are closed as they are accepted.
 */
class HttpConnectionLimitsTest {
    @TempDir
    Path dir;

    @Test
    void silentConnectionsAreClosedAndOneAddressCannotHoldMoreThanItsShare() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_HTTP_IDLE_TIMEOUT", "2s", "EDGEAUTH_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "3",
                "EDGEAUTH_COAP_PORT", "-1")))) {
            List<Socket> silent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                silent.add(connect("127.0.0.1", broker.httpPort()));
            }
            Thread.sleep(300);
            for (Socket s : silent) {
                assertThat(closedByPeer(s, 200)).as("within the address's share").isFalse();
            }
            try (Socket fourth = connect("127.0.0.1", broker.httpPort())) {
                assertThat(closedByPeer(fourth, 2_000)).as("past the address's share: closed on accept").isTrue();
            }
            assertThat(get("127.0.0.2", broker.httpPort())).as("another address is served").startsWith("HTTP/1.1 200");

            await().atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
                for (Socket s : silent) {
                    assertThat(closedByPeer(s, 100)).as("silent past http.idleTimeout").isTrue();
                }
            });
            assertThat(get("127.0.0.1", broker.httpPort())).as("the address's share is free again")
                    .startsWith("HTTP/1.1 200");
            for (Socket s : silent) {
                s.close();
            }
        }
    }

    @Test
    void noMoreThanMaxConnectionsAreHeldInAll() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_HTTP_MAX_CONNECTIONS", "2", "EDGEAUTH_COAP_PORT", "-1")))) {
            try (Socket a = connect("127.0.0.3", broker.httpPort()); Socket b = connect("127.0.0.4", broker.httpPort());
                 Socket c = connect("127.0.0.5", broker.httpPort())) {
                Thread.sleep(500);
                // two event loops accept them: which one comes third is theirs to say
                int closed = 0;
                for (Socket s : List.of(a, b, c)) {
                    closed += closedByPeer(s, 300) ? 1 : 0;
                }
                assertThat(closed).as("one of three connections, with two allowed in all").isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get("127.0.0.6", broker.httpPort()))
                    .as("served once the others closed").startsWith("HTTP/1.1 200"));
            // the previous request's connection is counted until the broker's own close of it is handled
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get("127.0.0.6", broker.httpPort(),
                    "/metrics")).contains("edgeauth_http_connections_refused_total{limit=\"total\"} 1.0"));
        }
    }

    /**
     * With no per-address bound (the default), one address took every place, the liveness probe's too (a tour held
     * 5,100 slow connections from one address and {@code /health/live} went unanswered). The last tenth of the places is
     * kept for addresses holding less than a tenth each.
     */
    @Test
    void oneAddressCannotTakeTheLastTenthOfThePlaces() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_HTTP_MAX_CONNECTIONS", "20", "EDGEAUTH_COAP_PORT", "-1")))) {
            List<Socket> greedy = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    greedy.add(connect("127.0.0.7", broker.httpPort()));
                }
                Thread.sleep(500);
                int open = 0;
                for (Socket s : greedy) {
                    open += closedByPeer(s, 100) ? 0 : 1;
                }
                assertThat(open).as("one address holds at most nine tenths of the places").isEqualTo(18);
                assertThat(get("127.0.0.8", broker.httpPort())).as("the probe from another address is answered")
                        .startsWith("HTTP/1.1 200");
                assertThat(get("127.0.0.8", broker.httpPort(), "/metrics"))
                        .contains("edgeauth_http_connections_refused_total{limit=\"address\"} 2.0");
            } finally {
                for (Socket s : greedy) {
                    s.close();
                }
            }
        }
    }

    private static Socket connect(String from, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        return s;
    }

    /** Whether the broker closed the connection (end of stream or reset) within {@code waitMillis}. */
    private static boolean closedByPeer(Socket s, int waitMillis) throws IOException {
        s.setSoTimeout(waitMillis);
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static String get(String from, int port) throws IOException {
        return get(from, port, "/health/live");
    }

    private static String get(String from, int port, String path) throws IOException {
        try (Socket s = connect(from, port)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5_000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
