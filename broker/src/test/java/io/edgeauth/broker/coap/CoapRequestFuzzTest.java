package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the CoAP edge end to end: a running edge (real pipeline, registry and revocations, the test
 * token verifier, a stand-in token issuer) gets confirmable requests whose method, path, queries,
 * content format, Observe and payload come from the fuzzer, aimed at {@code /authz-info},
 * {@code /token} (ACE CBOR body), {@code /d/{id}/up/...} and {@code /d/{id}/down}. The client uploaded
 * a valid token first, so telemetry requests get past authentication to the geo and rate checks.
 * Every request gets an answer (a device must never be left retransmitting), and never 5.00: hostile
 * input is the client's error. Seeds: valid requests of each kind and near misses.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class CoapRequestFuzzTest {
    private static final CoAP.Code[] METHODS = {CoAP.Code.POST, CoAP.Code.GET, CoAP.Code.PUT, CoAP.Code.DELETE,
            CoAP.Code.FETCH};
    private static final String[] PATHS = {"/authz-info", "/token", "/d/dev1/up/", "/d/dev1/down", "/d/", "/"};
    private static Path dir;
    private static EdgeFixture edge;
    private static CoapClient client;

    /**
     * Input layout (so seeds can be written by hand): method index, path index, flags (bits 0-1: number
     * of Uri-Query options, bit 2: a Content-Format follows, bit 3: Observe), then the path suffix and
     * each query as text ending in LF, the Content-Format as two bytes, and the payload.
     */
    @FuzzTest(maxDuration = "10s")
    void request(byte[] input) throws Exception {
        ensureStarted();
        if (input.length < 3) {
            return;
        }
        int flags = input[2];
        int[] pos = {3};
        Request request = new Request(METHODS[(input[0] & 0xff) % METHODS.length], CoAP.Type.CON);
        String path = PATHS[(input[1] & 0xff) % PATHS.length];
        if (path.endsWith("/")) {
            path += line(input, pos);
        }
        request.setURI(edge.coap("/"));
        request.getOptions().setUriPath(path);
        for (int i = 0; i < (flags & 3); i++) {
            request.getOptions().addUriQuery(line(input, pos));
        }
        if ((flags & 4) != 0 && pos[0] + 2 <= input.length) {
            request.getOptions().setContentFormat(((input[pos[0]] & 0xff) << 8) | (input[pos[0] + 1] & 0xff));
            pos[0] += 2;
        }
        if ((flags & 8) != 0 && (request.getCode() == CoAP.Code.GET || request.getCode() == CoAP.Code.FETCH)) {
            request.setObserve(); // Californium allows Observe on GET and FETCH only
        }
        if (request.getCode() != CoAP.Code.GET && request.getCode() != CoAP.Code.DELETE) {
            request.setPayload(java.util.Arrays.copyOfRange(input, pos[0], input.length)); // Californium: none on GET/DELETE
        }
        CoapResponse response = client.advanced(request);
        assertThat(response).as("no answer to %s %s", request.getCode(), path).isNotNull();
        assertThat(response.getCode()).as("answer to %s %s", request.getCode(), path)
                .isNotEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
        if (request.getOptions().hasObserve() && response.getOptions().hasObserve()) {
            client.advanced(cancel(request)); // one observation at a time, not one per input
        }
    }

    private static String line(byte[] input, int[] pos) {
        int start = pos[0];
        int end = start;
        while (end < input.length && input[end] != '\n') {
            end++;
        }
        pos[0] = Math.min(input.length, end + 1);
        return new String(input, start, end - start, StandardCharsets.UTF_8);
    }

    private static Request cancel(Request observed) {
        Request r = Request.newGet();
        r.setURI(edge.coap("/"));
        r.getOptions().setUriPath(observed.getOptions().getUriPathString());
        r.setToken(observed.getToken());
        r.setObserveCancel();
        return r;
    }

    private static synchronized void ensureStarted() throws Exception {
        if (edge != null) {
            return;
        }
        dir = Files.createTempDirectory("coap-fuzz");
        CoapTokenIssuer issuer = r -> "valid".equals(new String(r.clientAssertion(), StandardCharsets.US_ASCII))
                ? CompletableFuture.completedFuture(new CoapTokenIssuer.Issued(new byte[] {1, 2, 3}, 600, r.scope()))
                : CompletableFuture.failedFuture(new TokenRejectedException(RejectionReason.BAD_SIGNATURE, "assertion"));
        edge = new EdgeFixture(dir, s -> s, issuer);
        client = edge.plainClient("/authz-info");
        client.setTimeout(Duration.ofSeconds(10).toMillis());
        byte[] token = edge.token("dev1");
        CoapResponse r = client.post(token, MediaTypeRegistry.APPLICATION_CWT);
        assertThat(r.getCode()).isEqualTo(ResponseCode.CREATED);
    }

    @AfterAll
    static synchronized void stop() throws Exception {
        if (edge != null) {
            client.shutdown();
            edge.close();
            edge = null;
        }
    }
}
