package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.LogCapture;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A request cut off by {@code http.requestReadTimeout} is a slow client, counted in
 * {@code edgeauth_http_requests_cut_total}: not an ERROR with a stack trace each time.
 */
@InProcessBrokerTest.Config("EDGEAUTH_HTTP_REQUEST_READ_TIMEOUT=1s")
class SlowBodyLogTest extends InProcessBrokerTest {

    @Test
    void aCutOffRequestIsNoError() throws Exception {
        try (LogCapture log = LogCapture.of(HttpApi.class);
             Socket s = new Socket("127.0.0.1", broker.httpPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: 100\r\n\r\ngrant_type=").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed at the deadline
            Thread.sleep(300);
            assertThat(log.events()).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
        }
        assertThat(admin.get("/metrics").body()).containsPattern("edgeauth_http_requests_cut_total(\\{[^}]*\\})? 1\\.0");
    }
}
