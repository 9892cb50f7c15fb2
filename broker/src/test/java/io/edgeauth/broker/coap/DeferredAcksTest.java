package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.coap.EmptyMessage;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A confirmable request answered from another thread: piggy-backed on the ACK when the answer is quick, an empty ACK
 * and then a separate confirmable response when it is slow (and no timer is left behind either way).
 */
class DeferredAcksTest {
    private final DeferredAcks acks = new DeferredAcks(Duration.ofMillis(500));
    private CoapServer server;
    private CoapClient client;
    private final List<String> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (client != null) {
            client.shutdown();
        }
        if (server != null) {
            server.destroy();
        }
        acks.close();
    }

    @Test
    void aQuickAnswerRidesOnTheAck() throws Exception {
        CoapResponse r = post(5);
        assertThat(r.getCode()).isEqualTo(ResponseCode.CREATED);
        assertThat(received).containsExactly("response ACK");
        // the answer's thread sends the response first and cancels the timer right after (CompletableFuture runs the
        // later-registered dependant first), so the client can see the response a moment before: wait for the cancel,
        // but less than the delay, after which a timer left behind would have run and left the queue anyway
        await().atMost(Duration.ofMillis(400)).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertThat(acks.pending()).as("the timer was cancelled").isZero());
    }

    @Test
    void aSlowAnswerIsAcknowledgedFirstThenSentOnItsOwn() throws Exception {
        CoapResponse r = post(1200);
        assertThat(r.getCode()).isEqualTo(ResponseCode.CREATED);
        assertThat(received).containsExactly("empty ACK", "response CON");
        assertThat(acks.pending()).isZero();
    }

    @Test
    void anAnswerAlreadyThereNeedsNoTimer() throws Exception {
        CoapResponse r = post(0);
        assertThat(r.getCode()).isEqualTo(ResponseCode.CREATED);
        assertThat(received).containsExactly("response ACK");
    }

    /** POSTs to a resource that answers after {@code millis} from another thread (0: at once, on the same one). */
    private CoapResponse post(long millis) throws Exception {
        server = new CoapServer(Configuration.createStandardWithoutFile());
        server.addEndpoint(CoapEndpoint.builder().setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build());
        server.add(new CoapResource("slow") {
            @Override
            public void handlePOST(CoapExchange exchange) {
                CompletableFuture<String> answer = millis == 0 ? CompletableFuture.completedFuture("now")
                        : CompletableFuture.supplyAsync(() -> "later",
                                CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
                acks.acknowledgeLater(exchange, answer);
                answer.thenRun(() -> exchange.respond(ResponseCode.CREATED));
            }
        });
        server.start();
        int port = server.getEndpoints().get(0).getAddress().getPort();
        CoapEndpoint ep = CoapEndpoint.builder().setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
        ep.addInterceptor(new MessageInterceptorAdapter() {
            @Override
            public void receiveResponse(Response response) {
                received.add("response " + response.getType());
            }

            @Override
            public void receiveEmptyMessage(EmptyMessage message) {
                if (message.getType() == Type.ACK) {
                    received.add("empty ACK");
                }
            }
        });
        client = new CoapClient("coap://127.0.0.1:" + port + "/slow").setEndpoint(ep).setTimeout(10_000L);
        return client.post("x", 0);
    }
}
