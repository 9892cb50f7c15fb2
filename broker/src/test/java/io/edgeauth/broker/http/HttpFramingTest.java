package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request framing a front proxy may read differently from the broker (RFC 9112 §6.3): a request with both
 * {@code Transfer-Encoding} and {@code Content-Length}, or a transfer coding other than {@code chunked}, is answered 400
 * and its connection closed, so bytes a proxy took for the next request are never served. Before, the broker answered
 * and then served the request hidden in the body. A chunk size that is not a number is answered 400 with one WARN line
 * (it was an ERROR with a stack trace per request, and no answer).
 */
class HttpFramingTest {
    @TempDir
    static Path dir;
    static Broker broker;
    LogCapture logs;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_COAP_PORT", "-1")));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.root();
    }

    @AfterEach
    void releaseLogs() {
        logs.close();
    }

    @Test
    void contentLengthWithChunkedIsRefusedAndTheHiddenRequestNeverServed() throws Exception {
        String answer = exchange("POST /oauth/token HTTP/1.1\r\nHost: x\r\ncontent-type: application/x-www-form-urlencoded"
                + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
        // Netty drops the Content-Length of a chunked request before the broker sees it: the body is read chunked
        assertThat(answer).startsWith("HTTP/1.1 400").contains("grant_type is required");
        assertThat(answer.split("HTTP/1.1 ", -1)).as("one answer, then the connection closed").hasSize(2);
    }

    /** Tour O, F0: the decoder's message quoted the whole body, refresh tokens and bearer tokens included. */
    @Test
    void anUnreadableFormIsLoggedWithoutItsBody() throws Exception {
        String secret = "rt_SUPERSECRET_REFRESH_0123456789abcdef";
        for (String body : List.of("grant_type=refresh_token&refresh_token=" + secret + "&scope=%",
                "token=" + secret + "&token_type_hint=%zz", "grant_type=x&subject_token=" + secret + "&audience=%C3")) {
            for (String path : List.of("/oauth/token", "/oauth/revoke", "/oauth/introspect")) {
                String answer = exchange("POST " + path + " HTTP/1.1\r\nHost: x\r\ncontent-type: "
                        + "application/x-www-form-urlencoded\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n" + body);
                assertThat(answer).startsWith("HTTP/1.1 4");
            }
        }
        List<ILoggingEvent> lines = logs.events();
        assertThat(lines).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("unreadable form"));
        assertThat(lines).noneSatisfy(e -> assertThat(e.getFormattedMessage() + e.getThrowableProxy())
                .contains("SUPERSECRET"));
    }

    @Test
    void aTransferCodingOtherThanChunkedIsRefused() throws Exception {
        String answer = exchange("POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n"
                + "Content-Length: 5\r\n\r\nhelloGET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer.split("HTTP/1.1 ", -1)).hasSize(2);
        assertThat(exchange("POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                + "0\r\n\r\nGET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").split("HTTP/1.1 ", -1)).hasSize(2);
    }

    @Test
    void chunkedAloneAndContentLengthAloneAreServedAsBefore() throws Exception {
        String chunked = exchange("POST /oauth/token HTTP/1.1\r\nHost: x\r\ncontent-type: application/x-www-form-urlencoded"
                + "\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nfoo=1\r\n0\r\n\r\nGET /health/live HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 400").contains("grant_type is required");
        assertThat(chunked.split("HTTP/1.1 ", -1)).as("a chunked request's connection closes after its answer").hasSize(2);
        String plain = exchange("POST /oauth/token HTTP/1.1\r\nHost: x\r\ncontent-type: application/x-www-form-urlencoded"
                + "\r\nContent-Length: 5\r\n\r\nfoo=1GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(plain.split("HTTP/1.1 ", -1)).hasSize(3);
    }

    /** Vert.x closes such a connection at once (no answer); before, each one logged an ERROR with a stack trace. */
    @Test
    void aChunkSizeThatIsNoNumberClosesTheConnectionWithoutAStackTrace() throws Exception {
        for (String type : List.of("content-type: application/x-www-form-urlencoded\r\n", "", "content-type: application/json\r\n")) {
            for (String size : List.of("zz", "-1", "fffffffffffffffffff")) {
                String answer = exchange("POST /oauth/token HTTP/1.1\r\nHost: x\r\n" + type
                        + "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\nabc\r\nGET /health/live HTTP/1.1\r\n\r\n");
                assertThat(answer).as("chunk size %s, %s", size, type).doesNotContain("<still open>")
                        .doesNotContain("HTTP/1.1 200");
            }
        }
        Thread.sleep(200); // a log line written after the close
        List<ILoggingEvent> events = logs.withoutAudit();
        assertThat(events).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
        assertThat(events).noneMatch(e -> e.getThrowableProxy() != null);
    }

    /**
     * Tour N, N11: an upload refused before its body was read (here a wrong admin credential) was closed at once, with
     * the body still arriving, so the kernel reset the connection and a client still sending lost the 401 it had not
     * read yet. The broker now reads the rest of the body (bounded) and closes once it ends.
     */
    @Test
    void aRefusedChunkedUploadIsReadToItsEndBeforeTheConnectionCloses() throws Exception {
        String chunk = "1000\r\n" + "{\"id\":\"x\"}\n".repeat(4096 / 11) + "x".repeat(4096 % 11) + "\r\n";
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", broker.httpPort()), 5_000);
            s.setSoTimeout(5_000);
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST /admin/devices:bulk HTTP/1.1\r\nHost: x\r\nauthorization: Bearer wrong\r\n"
                    + "content-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n" + chunk)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (!read.toString(StandardCharsets.US_ASCII).contains("}")) {
                int n = in.read(buf);
                assertThat(n).as("the answer before the end of the connection").isPositive();
                read.write(buf, 0, n);
            }
            assertThat(read.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 401");
            for (int i = 0; i < 25; i++) { // the client goes on sending, as one does that has not read the answer yet
                out.write(chunk.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(20);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.read(buf)).as("an orderly close once the body ended").isEqualTo(-1);
        }
    }

    /** Writes the bytes and reads until the broker closes the connection (or 5 s pass). */
    private static String exchange(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", broker.httpPort()), 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    read.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                read.write("<still open>".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // reset after the answer: what was read stands
            }
            return read.toString(StandardCharsets.US_ASCII);
        }
    }
}
