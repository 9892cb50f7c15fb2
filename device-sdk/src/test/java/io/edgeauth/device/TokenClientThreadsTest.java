package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many devices' token clients in one JVM do not grow the JDK HTTP client's threads. */
class TokenClientThreadsTest {
    static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    @Test
    void fiftyDevicesFetchingAtOnceShareOneSelectorAndTwoWorkers() throws Exception {
        try (StubTokenEndpoint stub = new StubTokenEndpoint()) {
            stub.reply = StubTokenEndpoint.json(200, "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":300}");
            long selectorsBefore = threads("HttpClient-");
            List<CompletableFuture<AccessToken>> fetches = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                TokenClient c = TokenClient.builder().brokerUri(stub.base()).identity(DeviceIdentity.generate("dev-" + i)).build();
                fetches.add(c.fetch());
            }
            for (CompletableFuture<AccessToken> f : fetches) {
                assertThat(f.get(30, TimeUnit.SECONDS).value()).isEqualTo("a.b.c");
            }
            assertThat(threads(SharedHttpExecutor.THREAD_PREFIX)).isBetween(1L, (long) SharedHttpExecutor.THREADS);
            // the JDK names each client's selector thread HttpClient-N-SelectorManager: at most the shared one is new
            assertThat(threads("HttpClient-") - selectorsBefore).isLessThanOrEqualTo(1);
        }
    }

    /**
     * Tour AB, AB14: each delayed retry ran on the common pool, and where its parallelism is 1 (a host of 2 cores or
     * fewer, as CI here) the JDK starts a thread for each such step. The retries now wait on the SDK's own threads.
     */
    @Test
    void aBusyBrokersRetriesStartNoThreadsOfTheirOwn() throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        try (StubTokenEndpoint stub = new StubTokenEndpoint()) {
            java.util.concurrent.atomic.AtomicInteger busy = new java.util.concurrent.atomic.AtomicInteger();
            StubTokenEndpoint.Reply ok = StubTokenEndpoint.json(200,
                    "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":300}");
            StubTokenEndpoint.Reply shed = StubTokenEndpoint.json(503, "{\"error\":\"temporarily_unavailable\"}");
            stub.reply = ex -> {
                if (busy.getAndDecrement() > 0) {
                    ex.getResponseHeaders().set("Retry-After", "1");
                    shed.send(ex);
                } else {
                    ok.send(ex);
                }
            };
            TokenClient c = TokenClient.builder().brokerUri(stub.base()).identity(DeviceIdentity.generate("busy-1")).build();
            assertThat(c.fetch().get(30, TimeUnit.SECONDS).value()).isEqualTo("a.b.c"); // the client's threads exist now
            busy.set(4);
            long before = mx.getTotalStartedThreadCount();
            assertThat(c.fetch().get(60, TimeUnit.SECONDS).value()).isEqualTo("a.b.c");
            assertThat(busy.get()).as("all four busy answers were retried").isNegative();
            // JDK 17's HttpClient itself hands each answer to the common pool (HttpClientImpl.sendAsync), one thread per
            // answer on such a host, which no executor of ours avoids (the README says so): five answers, five threads
            assertThat(mx.getTotalStartedThreadCount() - before).as("threads started by five answers and four retries")
                    .isLessThanOrEqualTo(6);
        }
    }
}
