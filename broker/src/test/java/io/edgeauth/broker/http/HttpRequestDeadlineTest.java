package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that sends its request a byte now and then resets the idle timeout with every byte: before, it held its
 * connection (a file descriptor) for as long as it liked with a body. Now a body must be read whole within
 * {@code http.requestReadTimeout} of its headers; a streamed bulk import's body is bounded by the idle timeout between
 * reads only, and honest keep-alive clients see no difference.
 */
class HttpRequestDeadlineTest {
    @TempDir
    static Path dir;
    static Broker broker;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_HTTP_IDLE_TIMEOUT", "2s", "EDGEAUTH_HTTP_REQUEST_READ_TIMEOUT", "2s",
                "EDGEAUTH_COAP_PORT", "-1")));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** Held before as well: the servers time idleness from the last decoded part, so headers get the idle timeout. */
    @Test
    void headersSentAByteASecondAreCut() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("GET /health/live HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            assertThat(dripUntilClosed(s, 12)).as("closed while dripping, within the idle timeout (2 s)")
                    .isBetween(2, 5);
        }
    }

    @Test
    void aBodySentAByteASecondIsCut() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(("POST /oauth/token HTTP/1.1\r\nHost: x\r\ncontent-type: "
                    + "application/x-www-form-urlencoded\r\ncontent-length: 1000\r\n\r\ngrant_type=").getBytes(
                    StandardCharsets.US_ASCII));
            assertThat(dripUntilClosed(s, 12)).as("closed within the read timeout of the headers (2 s)")
                    .isBetween(1, 5);
        }
        String metrics = new io.edgeauth.broker.testsupport.Http("http://127.0.0.1:" + broker.httpPort(), null)
                .get("/metrics").body();
        assertThat(metrics).containsPattern("edgeauth_http_requests_cut_total [1-9]");
    }

    /** The import's exemption is for the admin: a caller without the credential got its 401 and kept dripping. */
    @Test
    void anUnauthenticatedImportDrippingItsBodyIsCutAfterItsAnswer() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(("POST /admin/devices:bulk HTTP/1.1\r\nHost: x\r\ncontent-type: application/x-ndjson"
                    + "\r\ncontent-length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            assertThat(dripUntilClosed(s, 12)).as("cut within the read timeout of its 401").isBetween(1, 5);
        }
    }

    @Test
    void keepAliveClientsWithinTheIdleTimeoutAreServed() throws Exception {
        try (Socket s = connect()) {
            for (int i = 0; i < 3; i++) {
                s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponseHead(s)).startsWith("HTTP/1.1 200");
                Thread.sleep(1_600); // idle, under the 2 s idle timeout; three times past the read timeout in all
            }
        }
    }

    @Test
    void aStreamedImportMayTakeLongerThanTheDeadlineWhileItsLinesKeepComing() throws Exception {
        String credential = broker.newAdminCredential().orElseThrow();
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /admin/devices:bulk HTTP/1.1\r\nHost: x\r\nauthorization: Bearer " + credential
                    + "\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 6; i++) { // 6 s of upload, past idle + read timeout
                chunk(out, "{\"id\":\"drip-" + i + "\"}\n");
                Thread.sleep(1_000);
            }
            chunk(out, "");
            String answer = readAll(s);
            assertThat(answer).startsWith("HTTP/1.1 200").contains("\"summary\"");
            assertThat(answer.split("\"line\":", -1)).as("a result line for each of the six records").hasSize(7);
        }
    }

    private static void chunk(OutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Sends one byte a second; the seconds until the broker closed the connection, or -1 within {@code max}. */
    private static int dripUntilClosed(Socket s, int max) throws Exception {
        s.setSoTimeout(1_000);
        InputStream in = s.getInputStream();
        for (int second = 1; second <= max; second++) {
            try {
                s.getOutputStream().write('a');
            } catch (IOException e) {
                return second;
            }
            try {
                if (in.read() < 0) {
                    return second;
                }
            } catch (SocketTimeoutException e) {
                continue; // still open
            } catch (IOException e) {
                return second;
            }
            in.skip(in.available()); // an error answer before the close: read on
        }
        return -1;
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", broker.httpPort()), 2_000);
        return s;
    }

    private static String readResponseHead(Socket s) throws IOException {
        s.setSoTimeout(5_000);
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        String h = head.toString();
        int length = h.toLowerCase().indexOf("content-length:");
        if (length >= 0) {
            int n = Integer.parseInt(h.substring(length + 15, h.indexOf("\r\n", length)).trim());
            in.readNBytes(n);
        }
        return h;
    }

    private static String readAll(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        StringBuilder all = new StringBuilder();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                all.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
                if (all.toString().contains("\"summary\"") && all.toString().endsWith("0\r\n\r\n")) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // what came is what there is
        }
        return all.toString();
    }
}
