package io.edgeauth.broker.cluster;

import io.edgeauth.broker.router.PublishResult;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.Subscriber;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's inbox: the stream {@code ea:inbox:<node>} other nodes append messages for its subscribers
 * to. One thread reads it with the consumer group {@value #GROUP} ({@code XREADGROUP}), hands each
 * message to the local subscribers ({@link TopicRouter#deliverLocally}) and acknowledges the batch
 * ({@code XACK}) once they have it queued. A node that was cut off from Redis resumes after the last
 * entry its group read, so nothing appended meanwhile is missed; entries read but not acknowledged
 * (a crash, or Redis lost between delivery and {@code XACK}) are read again first on every (re)start
 * from the group's pending list: at least once, a duplicate only then. When a local subscriber is
 * congested the reader waits for it (up to {@code backpressureTimeout}) before reading more: the
 * inbox stream holds the rest, so per-subscriber queue bounds hold across nodes too.
 */
final class Inbox extends RedisReader {
    private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);
    static final String GROUP = "ea";
    static final String MESSAGE = "m";
    /** Entry fields: the message record, and for a share group's pick the group and its filter. */
    static final String GROUP_NAME = "g";
    static final String FILTER = "f";
    private static final int BATCH = 256;

    private final String nodeId;
    private final String key;
    private final TopicRouter router;
    private final ClusterMetrics metrics;
    private final Duration backpressureTimeout;
    private volatile Supplier<CompletableFuture<Void>> durable = () -> CompletableFuture.completedFuture(null);
    private volatile SessionMobility sessions;
    private final InboxGaps gaps;
    /** Gaps are looked for at start, after every reconnect, behind a full batch (a backlog) and at this interval. */
    private static final long GAP_CHECK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    private long lastGapCheck;

    Inbox(RedisStore store, String nodeId, TopicRouter router, ClusterMetrics metrics, Duration backpressureTimeout,
          InboxGaps gaps) {
        super(store, "edgeauth-cluster-inbox");
        this.gaps = gaps;
        this.nodeId = nodeId;
        this.key = key(nodeId);
        this.router = router;
        this.metrics = metrics;
        this.backpressureTimeout = backpressureTimeout;
    }

    /**
     * Acknowledge entries only once {@code barrier}'s future completes: it is asked after each batch
     * was delivered and completes when what the batch wrote locally (persistent sessions' queues) is
     * on disk, so an entry leaves the inbox only when a crash can no longer lose it.
     */
    void acknowledgeWhen(Supplier<CompletableFuture<Void>> barrier) {
        this.durable = barrier;
    }

    /** Hands session entries (a takeover notice, a message forwarded to one session) to {@code mobility}. */
    void sessions(SessionMobility mobility) {
        this.sessions = mobility;
    }

    static String key(String nodeId) {
        return RedisStore.PREFIX + "inbox:" + nodeId;
    }

    @Override
    void prepare(RedisCommands<String, byte[]> redis) {
        createGroup(redis); // the first round of the reading thread looks for a gap (a slow check must not fail the start)
    }

    private void checkGap(RedisCommands<String, byte[]> redis) {
        lastGapCheck = System.nanoTime();
        gaps.check(redis);
    }

    private void createGroup(RedisCommands<String, byte[]> redis) {
        try {
            redis.xgroupCreate(XReadArgs.StreamOffset.from(key, "0"), GROUP, XGroupCreateArgs.Builder.mkstream());
        } catch (RedisBusyException e) {
            // the group exists: this node ran before, its position and pending entries are kept
        }
    }

    @Override
    void readLoop() {
        boolean pendingFirst = true; // what a previous run (or the last connection) read but did not acknowledge
        long backoff = 50;
        while (!closed) {
            try {
                RedisCommands<String, byte[]> redis = connection.sync();
                if (pendingFirst || System.nanoTime() - lastGapCheck > GAP_CHECK_NANOS) {
                    checkGap(redis); // before reading on: the group's position still shows where the gap is
                }
                XReadArgs.StreamOffset<String> from = XReadArgs.StreamOffset.from(key, pendingFirst ? "0" : ">");
                List<StreamMessage<String, byte[]>> batch = redis.xreadgroup(Consumer.from(GROUP, nodeId),
                        XReadArgs.Builder.count(BATCH).block(Duration.ofMillis(500)), from);
                backoff = 50;
                store.reportRead("inbox-read", null);
                if (batch.isEmpty()) {
                    pendingFirst = false;
                    continue;
                }
                List<CompletableFuture<Void>> placed = new ArrayList<>();
                List<Subscriber> congested = deliver(batch, placed);
                if (localCommit(placed)) {
                    redis.xack(key, GROUP, batch.stream().map(StreamMessage::getId).toArray(String[]::new));
                }
                waitFor(congested);
                if (batch.size() == BATCH) {
                    checkGap(redis); // a backlog: the bound may be overtaking this reader
                }
            } catch (RedisException e) {
                if (closed) {
                    return;
                }
                if (e.getMessage() != null && e.getMessage().startsWith("NOGROUP")) {
                    recreateGroup(); // Redis lost its data (restart without persistence): start over
                }
                store.reportRead("inbox-read", e); // a slow read once is no outage
                pendingFirst = true;
                if (!pause(backoff)) {
                    return;
                }
                backoff = Math.min(1000, backoff * 2);
            } catch (RuntimeException e) {
                LOG.warn("inbox reader of node {} failed; continuing", nodeId, e);
                if (!pause(1000)) {
                    return;
                }
            }
        }
    }

    private void recreateGroup() {
        try {
            createGroup(connection.sync());
            LOG.warn("inbox group of node {} was gone (Redis lost its data?): recreated", nodeId);
        } catch (RedisException ignored) {
            // still out: the next round tries again
        }
    }

    private List<Subscriber> deliver(List<StreamMessage<String, byte[]>> batch, List<CompletableFuture<Void>> placed) {
        List<Subscriber> congested = new ArrayList<>();
        for (StreamMessage<String, byte[]> entry : batch) {
            byte[] notice = entry.getBody().get(SessionMobility.NOTICE);
            SessionMobility mobility = sessions;
            if (notice != null) {
                if (mobility != null) {
                    mobility.movedAway(text(notice), epoch(entry.getBody().get(SessionMobility.EPOCH)));
                }
                continue;
            }
            byte[] record = entry.getBody().get(MESSAGE);
            if (record == null) {
                continue; // a pending entry already trimmed from the stream comes back without a body
            }
            RoutedMessage message;
            try {
                message = MessageCodec.decode(record);
            } catch (IllegalArgumentException e) {
                metrics.badEntry();
                LOG.warn("inbox entry {} of node {} is not a message record: skipped ({})", entry.getId(), nodeId,
                        e.getMessage());
                continue;
            }
            byte[] session = entry.getBody().get(SessionMobility.SESSION);
            if (session != null) {
                if (mobility != null) {
                    placed.add(mobility.forwarded(text(session), message));
                } else {
                    metrics.badEntry();
                }
                continue;
            }
            byte[] group = entry.getBody().get(GROUP_NAME);
            byte[] filter = entry.getBody().get(FILTER);
            try {
                PublishResult result = router.deliverLocally(message, text(group), text(filter));
                congested.addAll(result.congested());
            } catch (IllegalArgumentException e) {
                metrics.badEntry(); // a topic this node's router refuses: only a foreign writer sends it
            }
        }
        metrics.received(batch.size());
        return congested;
    }

    /** Waits for the local durability barrier; false (entries stay pending, re-read on restart) if it fails. */
    private boolean localCommit(List<CompletableFuture<Void>> placed) {
        try {
            CompletableFuture.allOf(placed.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            durable.get().get(30, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("inbox batch of node {} not acknowledged: the session journal did not commit ({})", nodeId,
                    e.toString());
            return false;
        }
    }

    /** Waits until every congested local subscriber drained below its low-water mark, or the timeout. */
    private void waitFor(List<Subscriber> congested) {
        if (congested.isEmpty()) {
            return;
        }
        CountDownLatch drained = new CountDownLatch(congested.size());
        congested.forEach(s -> s.whenWritable(drained::countDown));
        try {
            drained.await(backpressureTimeout.toMillis(), TimeUnit.MILLISECONDS); // after it, the overflow policy decides
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long epoch(byte[] b) {
        try {
            return b == null ? Long.MAX_VALUE : Long.parseLong(new String(b, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // unreadable: treat as the newest claim (the session leaves)
        }
    }

    private static String text(byte[] b) {
        return b == null || b.length == 0 ? null : new String(b, StandardCharsets.UTF_8);
    }
}
