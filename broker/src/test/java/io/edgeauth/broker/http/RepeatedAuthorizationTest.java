package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code Authorization} headers are refused 400, as a form parameter or JSON key given twice is: the first one
 * won, so a proxy or log reader that takes the other one saw another caller (tour Z, Z7).
 */
class RepeatedAuthorizationTest {
    @TempDir
    Path dir;

    @Test
    void aRepeatedAuthorizationHeaderIsRefusedInEitherOrder() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data")))) {
            String admin = broker.newAdminCredential().orElseThrow();
            for (String[] order : new String[][] {{admin, "x"}, {"x", admin}}) {
                String answer = send(broker.httpPort(), "GET /admin/services HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + order[0] + "\r\nAuthorization: Bearer " + order[1]
                        + "\r\nConnection: close\r\n\r\n");
                assertThat(answer).startsWith("HTTP/1.1 400").contains("invalid_request").contains("authorization");
            }
            String form = "grant_type=client_credentials";
            String token = send(broker.httpPort(), "POST /oauth/token HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Basic YTpi\r\nAuthorization: Basic Yzpk\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length()
                    + "\r\nConnection: close\r\n\r\n" + form);
            assertThat(token).startsWith("HTTP/1.1 400").contains("invalid_request").contains("authorization");
            String one = send(broker.httpPort(), "GET /admin/services HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + admin + "\r\nConnection: close\r\n\r\n");
            assertThat(one).startsWith("HTTP/1.1 200");
        }
    }

    private static String send(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
