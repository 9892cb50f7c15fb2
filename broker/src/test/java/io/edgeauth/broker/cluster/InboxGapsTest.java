package io.edgeauth.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Consumer;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An inbox trimmed past what its group read is a counted, audited loss, found once per gap, on a real
 * redis-server; trimming only what was already read is no loss; a gap stays on {@code /health/ready} for
 * {@link InboxGaps#REPORTED_FOR}.
 */
class InboxGapsTest {
    @TempDir
    Path dir;
    RedisFixture fixture;
    RedisStore store;
    RedisCommands<String, byte[]> redis;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<Map<String, ?>> audited = new CopyOnWriteArrayList<>();
    final String key = Inbox.key("gap-node");
    Instant now = Instant.parse("2026-12-03T12:00:00Z");
    InboxGaps gaps;

    @BeforeEach
    void start() throws Exception {
        fixture = new RedisFixture(dir);
        store = fixture.store;
        redis = fixture.redis;
        redis.xgroupCreate(XReadArgs.StreamOffset.from(key, "0"), Inbox.GROUP, XGroupCreateArgs.Builder.mkstream());
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        gaps = new InboxGaps("gap-node", key, meters, (event, outcome, fields) -> {
            if (event.equals("cluster.inbox.gap")) {
                audited.add(fields);
            }
        }, clock);
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    void add(int n) {
        for (int i = 0; i < n; i++) {
            redis.xadd(key, XAddArgs.Builder.maxlen(1_000_000), Map.of(Inbox.MESSAGE, ("m" + i).getBytes(StandardCharsets.UTF_8)));
        }
    }

    void read(int n) {
        redis.xreadgroup(Consumer.from(Inbox.GROUP, "gap-node"), XReadArgs.Builder.count(n),
                XReadArgs.StreamOffset.lastConsumed(key));
    }

    double counted() {
        return meters.counter("edgeauth.cluster.inbox.gap").count();
    }

    @Test
    void aTrimPastTheLastReadEntryIsCountedAuditedAndReportedOnce() {
        add(10);
        read(3);
        assertThat(gaps.check(redis)).isZero();
        redis.xtrim(key, XTrimArgs.Builder.maxlen(2)); // entries 4 to 8 go before the node read them

        assertThat(gaps.check(redis)).isEqualTo(5);
        assertThat(counted()).isEqualTo(5);
        assertThat(audited).singleElement().satisfies(f -> {
            assertThat(f.get("lost")).isEqualTo(5L);
            assertThat(f.get("node")).isEqualTo("gap-node");
        });
        assertThat(gaps.recentGap()).hasValueSatisfying(r -> assertThat(r).contains("5 messages lost"));
        assertThat(gaps.check(redis)).as("the same gap again").isZero();
        InboxGaps restarted = new InboxGaps("gap-node", key, meters, (e, o, f) -> audited.add(f), Clock.systemUTC());
        assertThat(restarted.check(redis)).as("the same gap after a restart").isZero();
        assertThat(counted()).isEqualTo(5);

        read(10); // past the gap: Redis re-syncs the group's read counter
        assertThat(gaps.check(redis)).isZero();
        add(4);
        read(1);
        redis.xtrim(key, XTrimArgs.Builder.maxlen(1));
        assertThat(gaps.check(redis)).as("a second gap").isEqualTo(2);
        assertThat(counted()).isEqualTo(7);
        assertThat(audited).hasSize(2);

        now = now.plus(InboxGaps.REPORTED_FOR).plus(Duration.ofSeconds(1));
        assertThat(gaps.recentGap()).isEmpty();
    }

    @Test
    void trimmingOnlyWhatWasReadIsNoLoss() {
        add(10);
        read(8);
        redis.xtrim(key, XTrimArgs.Builder.maxlen(2));
        assertThat(gaps.check(redis)).isZero();
        assertThat(counted()).isZero();
        assertThat(audited).isEmpty();
        assertThat(gaps.recentGap()).isEmpty();
    }

    @Test
    void aMissingStreamOrGroupIsNoGap() {
        assertThat(new InboxGaps("other", Inbox.key("other"), meters, (e, o, f) -> { }, Clock.systemUTC())
                .check(redis)).isZero();
    }

    @Test
    void streamIdsCompareNumerically() {
        assertThat(InboxGaps.compare("10-0", "9-5")).isPositive();
        assertThat(InboxGaps.compare("9-10", "9-9")).isPositive();
        assertThat(InboxGaps.compare("0-0", "0-0")).isZero();
        assertThat(InboxGaps.compare(null, "0-0")).isNegative();
        assertThat(InboxGaps.compare("garbage", "0-1")).isNegative();
    }
}
