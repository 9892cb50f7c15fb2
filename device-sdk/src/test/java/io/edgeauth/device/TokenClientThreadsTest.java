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
}
