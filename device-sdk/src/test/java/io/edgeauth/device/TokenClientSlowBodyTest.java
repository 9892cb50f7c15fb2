package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Tour AC (AC5): the request timeout bounds the whole exchange. The JDK's {@code HttpRequest.timeout} ends when the
 * response headers arrive; a broken or hostile proxy that then trickles the body (a byte now and then, under the size
 * bound) held the fetch open for as long as it liked, and with it the {@link TokenManager}'s refresh, which every
 * later {@code refreshNow()} joins: the device got no token again.
 */
class TokenClientSlowBodyTest {

    /** Answers 200 with a 4000-byte body it sends one byte every 200 ms; counts the connections it saw end. */
    static final class TricklingServer implements AutoCloseable {
        final AtomicInteger ended = new AtomicInteger();
        private final ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());

        TricklingServer() throws IOException {
            Thread t = new Thread(this::serve, "trickling-http");
            t.setDaemon(true);
            t.start();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    readRequest(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    for (int i = 0; i < 3999; i++) {
                        Thread.sleep(200);
                        out.write(' ');
                        out.flush();
                    }
                } catch (IOException e) {
                    ended.incrementAndGet(); // the client went away
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static void readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
            }
            String h = head.toString().toLowerCase(java.util.Locale.ROOT);
            int at = h.indexOf("content-length:");
            int length = at < 0 ? 0 : Integer.parseInt(h.substring(at + 15, h.indexOf('\r', at)).trim());
            in.readNBytes(length);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void aBodyTrickledAfterTheHeadersTimesOutAndTheConnectionIsClosed() throws Exception {
        try (TricklingServer server = new TricklingServer()) {
            TokenClient client = TokenClient.builder().brokerUri(server.base())
                    .identity(DeviceIdentity.generate("meter-7")).requestTimeout(Duration.ofSeconds(1)).build();

            CompletableFuture<AccessToken> fetch = client.fetch();

            await().atMost(Duration.ofSeconds(20)).until(fetch::isDone);
            TokenRequestException e = (TokenRequestException) fetch.handle((t, x) -> x.getCause()).join();
            assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.TIMEOUT);
            assertThat(e.isRetryable()).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> server.ended.get() == 1); // not left trickling
        }
    }
}
