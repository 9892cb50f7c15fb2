package io.edgeauth.broker.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.RedisServer;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A background blocking read ({@code XREAD BLOCK}) that times out once on a loaded machine is a slow answer, not an
 * outage: before, one such timeout put the whole node into the outage and refused new authentications (MQTT 0x88).
 * Three in a row of one reader still are an outage (Redis silent), and a refused connection is one at once.
 */
class BackgroundReadTimeoutsTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    static RedisStore store;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir);
        store = redis.connectStore();
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        redis.close();
    }

    static RedisCommandTimeoutException timeout() {
        return new RedisCommandTimeoutException("Command timed out after 2 second(s)");
    }

    @Test
    void oneTimedOutBackgroundReadIsNoOutageThreeInARowAre() {
        store.reportRead("routes-follow", timeout());
        assertThat(store.unavailableReason()).as("one slow background read").isEmpty();
        store.reportRead("routes-follow", null); // the next read answered
        store.reportRead("routes-follow", timeout());
        store.reportRead("routes-follow", timeout());
        assertThat(store.unavailableReason()).isEmpty();
        store.reportRead("feed-read", timeout()); // another reader's timeout is its own count
        assertThat(store.unavailableReason()).isEmpty();
        store.reportRead("routes-follow", timeout());
        assertThat(store.unavailableReason()).as("three in a row: Redis does not answer").isPresent();
        store.reportRead("routes-follow", null);
        assertThat(store.unavailableReason()).isEmpty();
    }

    @Test
    void aFailedConnectionOfABackgroundReaderIsAnOutageAtOnce() {
        store.reportRead("inbox-read", new RedisConnectionException("Connection refused"));
        assertThat(store.unavailableReason()).isPresent();
        store.reportRead("inbox-read", null);
        assertThat(store.unavailableReason()).isEmpty();
    }
}
