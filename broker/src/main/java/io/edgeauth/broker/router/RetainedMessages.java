package io.edgeauth.broker.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One tenant's retained messages, bounded twice: at most {@code maxPerTenant} topics in all, and at most
 * {@code maxPerDevice} under one device's tree {@code d/<id>} (the topic {@code d/<id>} and below, whoever
 * published them), so one device, or whoever may write its commands, cannot take the whole tenant's room; outside
 * device trees the same number bounds each publisher's topics (a service with a {@code pub:cfg/#} grant took all of
 * them before: tour T, T6). Replacing or deleting a held topic is always possible (a replaced topic outside device
 * trees counts for its new publisher). Reads are lock-free; changes are synchronized so the journal records the
 * changes of a topic in the order the map saw them.
 */
final class RetainedMessages {
    private final int maxPerTenant;
    private final int maxPerDevice;
    private final ConcurrentHashMap<String, RoutedMessage> byTopic = new ConcurrentHashMap<>();
    /**
     * Retained topics per holder (only holders with some): a device's tree by {@code d/<id>}'s id, a topic outside
     * device trees by its publisher under {@link #PUBLISHER}; guarded by this.
     */
    private final Map<String, Integer> perHolder = new HashMap<>();
    /** Prefix of a publisher's key in {@link #perHolder}: no device id contains a NUL. */
    private static final String PUBLISHER = "\0";

    RetainedMessages(int maxPerTenant, int maxPerDevice) {
        this.maxPerTenant = maxPerTenant;
        this.maxPerDevice = maxPerDevice;
    }

    /**
     * Keeps, replaces or (empty payload) deletes the retained message of the message's topic; false, changing
     * nothing, when it is a new topic beyond a bound.
     */
    synchronized boolean apply(RoutedMessage message, RetainedJournal journal) {
        String topic = message.topic();
        if (message.payload().length == 0) {
            RoutedMessage removed = byTopic.remove(topic);
            if (removed != null) {
                uncount(removed);
                if (journal != null) {
                    journal.cleared(message.tenant(), topic);
                }
            }
            return true;
        }
        String holder = holderOf(message);
        RoutedMessage held = byTopic.get(topic);
        if (held == null) {
            if (byTopic.size() >= maxPerTenant || holder != null && perHolder.getOrDefault(holder, 0) >= maxPerDevice) {
                return false;
            }
            count(holder);
        } else if (!java.util.Objects.equals(holderOf(held), holder)) {
            uncount(held);
            count(holder);
        }
        byTopic.put(topic, message);
        if (journal != null) {
            journal.retained(message);
        }
        return true;
    }

    /** Deletes the retained messages of {@code topic} and of every topic below it; their topics. */
    synchronized List<String> clearUnder(String tenant, String topic, RetainedJournal journal) {
        List<String> cleared = new ArrayList<>();
        String below = topic + "/";
        for (String held : byTopic.keySet()) {
            RoutedMessage removed;
            if ((held.equals(topic) || held.startsWith(below)) && (removed = byTopic.remove(held)) != null) {
                uncount(removed);
                cleared.add(held);
                if (journal != null) {
                    journal.cleared(tenant, held);
                }
            }
        }
        return cleared;
    }

    /** Deletes the retained messages {@code origin} published, journaling each; their topics. */
    List<String> clearFrom(String tenant, String origin, RetainedJournal journal) {
        return clearIf(tenant, message -> origin.equals(message.origin()), journal);
    }

    /** Deletes the retained messages whose Message Expiry Interval passed at {@code nowMillis}; their topics. */
    List<String> clearExpired(String tenant, long nowMillis, RetainedJournal journal) {
        return clearIf(tenant, message -> message.expiredAt(nowMillis), journal);
    }

    private synchronized List<String> clearIf(String tenant, java.util.function.Predicate<RoutedMessage> drop,
                                              RetainedJournal journal) {
        List<String> cleared = new ArrayList<>();
        byTopic.forEach((held, message) -> {
            if (drop.test(message) && byTopic.remove(held, message)) {
                uncount(message);
                cleared.add(held);
                if (journal != null) {
                    journal.cleared(tenant, held);
                }
            }
        });
        return cleared;
    }

    /** Removes, without journaling, the retained messages whose topic {@code drop} accepts; how many. */
    synchronized int removeIf(java.util.function.Predicate<String> drop) {
        int removed = 0;
        for (String held : byTopic.keySet()) {
            RoutedMessage gone;
            if (drop.test(held) && (gone = byTopic.remove(held)) != null) {
                uncount(gone);
                removed++;
            }
        }
        return removed;
    }

    Collection<RoutedMessage> values() {
        return byTopic.values();
    }

    int size() {
        return byTopic.size();
    }

    private void count(String holder) {
        if (holder != null) {
            perHolder.merge(holder, 1, Integer::sum);
        }
    }

    private void uncount(RoutedMessage removed) {
        String holder = holderOf(removed);
        if (holder != null) {
            perHolder.computeIfPresent(holder, (d, n) -> n == 1 ? null : n - 1);
        }
    }

    /** Whose bound a retained message counts against: its device tree's, else its publisher's (none if unknown). */
    private static String holderOf(RoutedMessage message) {
        String device = deviceOf(message.topic());
        if (device != null) {
            return device;
        }
        return message.origin() == null ? null : PUBLISHER + message.origin();
    }

    /** The device id of a topic in a device's tree ({@code d/<id>} or below), else null. */
    static String deviceOf(String topic) {
        if (!topic.startsWith("d/")) {
            return null;
        }
        int end = topic.indexOf('/', 2);
        String id = end < 0 ? topic.substring(2) : topic.substring(2, end);
        return id.isEmpty() ? null : id;
    }
}
