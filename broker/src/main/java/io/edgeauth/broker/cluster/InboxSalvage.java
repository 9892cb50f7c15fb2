package io.edgeauth.broker.cluster;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.policy.TopicFilters;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a moved session's messages out of its previous owner's inbox. Messages for another node's subscribers
 * wait in that node's inbox until it reads them; a node that is dead (SIGKILL) never does, and publishers keep
 * routing to it until its lease ends. So when a node claims a session from another node, it reads the previous
 * owner's inbox itself (without its consumer group, which stays the owner's): from the first entry that node
 * had not acknowledged when the claim was made (the claim script tells) to the end, and again
 * {@link #SECOND_PASS_SECONDS} later from where it stopped (messages published before every node learnt
 * the session's new route went to the old node only). Each QoS 1 or 2 message that one of the session's
 * subscriptions matches (or that was forwarded to the session by name) is handed to the session, at least
 * once: when the previous owner is alive it forwards what it read before the claim too, a duplicate then.
 * Thread-safe.
 */
final class InboxSalvage {
    private static final Logger LOG = LoggerFactory.getLogger(InboxSalvage.class);
    /** Longer than a route change takes to reach every node (one stream read) on a loaded machine. */
    static final long SECOND_PASS_SECONDS = 5;
    private static final int PAGE = 500;
    static final int MAX_ATTEMPTS = 60;
    private static final String SHARE = "$share/";

    private final RedisStore store;
    private final BiFunction<String, RoutedMessage, CompletableFuture<Void>> deliver;
    private final ClusterMetrics metrics;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edgeauth-inbox-salvage");
        t.setDaemon(true);
        return t;
    });

    /** {@code deliver}: hands a message to a session (by key) wherever it is now. */
    InboxSalvage(RedisStore store, BiFunction<String, RoutedMessage, CompletableFuture<Void>> deliver,
                 ClusterMetrics metrics) {
        this.store = store;
        this.deliver = deliver;
        this.metrics = metrics;
    }

    /** One session's salvage; {@link #describe} keeps its subscriptions current while it runs. */
    final class Run {
        private final String key;
        private final String inbox;
        private final Runnable finished;
        private volatile PersistedSession session;
        private volatile String next;
        private int attempts;
        private int taken;

        private Run(String key, String inbox, String first, PersistedSession session, Runnable finished) {
            this.key = key;
            this.finished = finished;
            this.inbox = inbox;
            this.next = first;
            this.session = session;
        }

        void describe(PersistedSession current) {
            session = current;
        }

        private void page(boolean last) {
            // handled on this class's thread, not Lettuce's: handing a message on may write the session journal
            store.async().xrange(inbox, Range.create(next, "+"), Limit.from(PAGE)).toCompletableFuture()
                    .whenCompleteAsync((entries, failure) -> {
                        if (failure != null) {
                            retry(last, failure);
                            return;
                        }
                        attempts = 0;
                        for (StreamMessage<String, byte[]> entry : entries) {
                            take(entry);
                            next = after(entry.getId());
                        }
                        if (entries.size() == PAGE) {
                            page(last);
                        } else if (!last) {
                            timer.schedule(() -> page(true), SECOND_PASS_SECONDS, TimeUnit.SECONDS);
                        } else {
                            finished.run();
                            if (taken > 0) {
                                LOG.info("{} messages for MQTT session {} taken from the inbox {} of its previous owner",
                                        taken, SessionMobility.printable(key), inbox);
                            }
                        }
                    }, timer);
        }

        private void retry(boolean last, Throwable failure) {
            store.report("inbox-salvage", failure);
            if (++attempts > MAX_ATTEMPTS) {
                LOG.error("messages for MQTT session {} in {} from {} on not taken: Redis failed {} times ({})",
                        SessionMobility.printable(key), inbox, next, MAX_ATTEMPTS, failure.toString());
                finished.run();
                return;
            }
            timer.schedule(() -> page(last), 1, TimeUnit.SECONDS);
        }

        private void take(StreamMessage<String, byte[]> entry) {
            Map<String, byte[]> body = entry.getBody();
            byte[] record = body.get(Inbox.MESSAGE);
            if (record == null) {
                return; // a takeover notice
            }
            RoutedMessage message;
            try {
                message = MessageCodec.decode(record);
            } catch (IllegalArgumentException e) {
                return; // the owner's reader counts it
            }
            byte[] named = body.get(SessionMobility.SESSION);
            RoutedMessage forSession = named != null
                    ? (key.equals(text(named)) ? message : null)
                    : matching(message, text(body.get(Inbox.GROUP_NAME)), text(body.get(Inbox.FILTER)));
            if (forSession != null) {
                taken++;
                metrics.salvaged();
                deliver.apply(key, forSession);
            }
        }

        /** The message as the session gets it (its granted QoS), or null if none of its subscriptions wants it. */
        private RoutedMessage matching(RoutedMessage message, String group, String filter) {
            PersistedSession s = session;
            if (message.qos() == 0 || !s.tenant().equals(message.tenant())) {
                return null; // QoS 0 is at most once: not worth delivering late
            }
            int granted = -1;
            for (Map.Entry<String, Integer> sub : s.subscriptions().entrySet()) {
                String f = sub.getKey();
                boolean shared = f.startsWith(SHARE);
                boolean match = group == null
                        ? !shared && TopicFilters.matches(f, message.topic())
                        : shared && f.equals(SHARE + group + "/" + filter);
                if (match) {
                    granted = Math.max(granted, PersistedSession.qos(sub.getValue()));
                }
            }
            int qos = Math.min(granted, message.qos());
            if (qos < 1) {
                return null;
            }
            return message.atQos(qos);
        }
    }

    /**
     * Salvages {@code session}'s messages from {@code inbox}, from the entry {@code first} on (inclusive).
     * Returns the run, so the caller can keep its subscriptions current; {@code finished} runs when it is over.
     */
    Run start(String key, String inbox, String first, PersistedSession session, Runnable finished) {
        Run run = new Run(key, inbox, first, session, finished);
        timer.execute(() -> run.page(false));
        return run;
    }

    /** The smallest stream id after {@code id}. */
    static String after(String id) {
        int dash = id.indexOf('-');
        return id.substring(0, dash + 1) + (Long.parseUnsignedLong(id.substring(dash + 1)) + 1);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    void close() {
        timer.shutdownNow();
    }
}
