package io.edgeauth.broker.router;

import io.edgeauth.broker.policy.TopicFilters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Tenant-scoped publish/subscribe shared by the MQTT and CoAP edges (and the bridge). A topic is the
 * pair (tenant, topic): every tenant has its own subscription trie and its own retained messages, so
 * {@code d/x/up} of one tenant never meets {@code d/x/up} of another.
 *
 * <p>Matching walks a trie of topic levels with {@code +} and {@code #} children (MQTT 5 §4.7), so a
 * publish costs O(depth x wildcard branches), not O(subscriptions). A subscriber matched by several
 * of its subscriptions gets one copy at the highest granted QoS. Shared subscriptions
 * {@code $share/group/filter} deliver each message to one member of the group, round-robin (skipping
 * members that drop it while another can take it). Deliveries are capped at QoS 1: QoS 2 publishes
 * are routed as QoS 1 (at-least-once). Retained messages are kept per tenant (an empty retained
 * payload deletes) up to {@code maxRetainedPerTenant}; they are sent to new non-shared subscriptions.
 *
 * <p>Authorization is not done here: edges check the session's ACL before calling. Thread-safe:
 * publish is lock-free; subscribe and unsubscribe lock the tenant's trie.
 */
public final class TopicRouter {

    private final int maxRetainedPerTenant;
    private final Consumer<String> onDrop;
    private final ConcurrentHashMap<String, TenantTopics> tenants = new ConcurrentHashMap<>();
    private volatile RetainedJournal retainedJournal;

    /**
     * @param maxRetainedPerTenant bound on retained messages per tenant (new topics beyond it are not retained)
     * @param onDrop               told the reason of router-level drops ({@code retained_limit})
     */
    public TopicRouter(int maxRetainedPerTenant, Consumer<String> onDrop) {
        this.maxRetainedPerTenant = maxRetainedPerTenant;
        this.onDrop = onDrop == null ? r -> { } : onDrop;
    }

    /** Records retained messages in {@code journal} from now on (persistence across restarts). */
    public void retainedJournal(RetainedJournal journal) {
        this.retainedJournal = journal;
    }

    /** Puts back a retained message restored at start-up (not journaled again, not routed). */
    public void restoreRetained(RoutedMessage message) {
        tenant(message.tenant()).retain(message, null);
    }

    /** Publishes within a tenant; the CoAP edge's entry point. */
    public PublishResult publish(String tenant, String topic, byte[] payload, int qos, boolean retain,
                                 List<RoutedMessage.UserProperty> properties, String origin) {
        return publish(new RoutedMessage(tenant, topic, payload, qos, retain, properties, origin));
    }

    /** Publishes a message to the matching subscribers of its tenant and keeps it if retained. */
    public PublishResult publish(RoutedMessage message) {
        String error = TopicFilters.topicError(message.topic());
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        TenantTopics topics = tenant(message.tenant());
        if (message.retain()) {
            topics.retain(message, retainedJournal);
        }
        Targets targets = topics.match(message.topic());
        RoutedMessage live = message.withRetain(false);
        int accepted = 0;
        int dropped = 0;
        List<Subscriber> congested = List.of();
        for (int i = 0; i < targets.size; i++) {
            Subscriber subscriber = targets.subscribers[i];
            Subscriber.Offer offer = subscriber.offer(live, Math.min(targets.qos[i], message.qos()));
            if (offer == Subscriber.Offer.DROPPED) {
                dropped++;
            } else {
                accepted++;
                if (offer == Subscriber.Offer.CONGESTED) {
                    congested = add(congested, subscriber);
                }
            }
        }
        int groupCount = targets.groups == null ? 0 : targets.groups.size();
        for (int i = 0; i < groupCount; i++) {
            Group group = targets.groups.get(i);
            Subscriber.Offer offer = group.deliver(live);
            if (offer == null) {
                continue;
            }
            if (offer == Subscriber.Offer.DROPPED) {
                dropped++;
            } else {
                accepted++;
                if (offer == Subscriber.Offer.CONGESTED) {
                    congested = add(congested, group.lastTarget());
                }
            }
        }
        return new PublishResult(targets.size + groupCount, accepted, dropped, congested);
    }

    private static List<Subscriber> add(List<Subscriber> list, Subscriber s) {
        List<Subscriber> out = list.isEmpty() ? new ArrayList<>(2) : list;
        out.add(s);
        return out;
    }

    /** The levels of a topic name ({@code "a//b"} has an empty middle level), without a regex or list. */
    static String[] levels(String topic) {
        int count = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                count++;
            }
        }
        String[] levels = new String[count];
        int start = 0;
        int k = 0;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                levels[k++] = topic.substring(start, i);
                start = i + 1;
            }
        }
        levels[k] = topic.substring(start);
        return levels;
    }

    /**
     * Subscribes (or replaces the QoS of the same subscriber's subscription to the same filter) and
     * offers the matching retained messages to a non-shared subscription.
     *
     * @param filter topic filter, optionally {@code $share/group/filter}
     * @param qos    granted QoS (capped at 1)
     */
    public Subscription subscribe(String tenant, String filter, int qos, Subscriber subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        String shareError = SharedFilter.error(filter);
        SharedFilter shared = SharedFilter.parse(filter);
        String filterError = shareError != null ? shareError : TopicFilters.filterError(shared.filter());
        if (filterError != null) {
            throw new IllegalArgumentException(filterError);
        }
        int granted = Math.min(Math.max(qos, 0), 1);
        Subscription subscription = new Subscription(tenant, filter, granted, subscriber);
        TenantTopics topics = tenant(tenant);
        synchronized (topics) {
            Node node = topics.root;
            for (String level : shared.filter().split("/", -1)) {
                node = node.children.computeIfAbsent(level, l -> new Node());
            }
            if (shared.group() == null) {
                node.subscriptions.removeIf(s -> s.subscriber() == subscriber);
                node.subscriptions.add(subscription);
            } else {
                Group group = node.groups.computeIfAbsent(shared.group(), g -> new Group());
                group.members.removeIf(s -> s.subscriber() == subscriber);
                group.members.add(subscription);
            }
            topics.changed();
        }
        if (shared.group() == null) {
            for (RoutedMessage retained : topics.retained.values()) {
                if (TopicFilters.matches(shared.filter(), retained.topic())) {
                    subscriber.offer(retained, Math.min(granted, retained.qos()));
                }
            }
        }
        return subscription;
    }

    /** Removes a subscription; true if it was there. */
    public boolean unsubscribe(Subscription subscription) {
        TenantTopics topics = tenants.get(subscription.tenant());
        if (topics == null) {
            return false;
        }
        SharedFilter shared = SharedFilter.parse(subscription.filter());
        String[] levels = shared.filter().split("/", -1);
        synchronized (topics) {
            Node[] path = new Node[levels.length + 1];
            path[0] = topics.root;
            for (int i = 0; i < levels.length; i++) {
                path[i + 1] = path[i].children.get(levels[i]);
                if (path[i + 1] == null) {
                    return false;
                }
            }
            Node leaf = path[levels.length];
            boolean removed;
            if (shared.group() == null) {
                removed = leaf.subscriptions.removeIf(s -> s.subscriber() == subscription.subscriber());
            } else {
                Group group = leaf.groups.get(shared.group());
                removed = group != null && group.members.removeIf(s -> s.subscriber() == subscription.subscriber());
                if (group != null && group.members.isEmpty()) {
                    leaf.groups.remove(shared.group());
                }
            }
            for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) { // prune empty branches
                path[i - 1].children.remove(levels[i - 1], path[i]);
            }
            topics.changed();
            return removed;
        }
    }

    /** Retained messages of a tenant now (tests, admin). */
    public int retainedCount(String tenant) {
        TenantTopics topics = tenants.get(tenant);
        return topics == null ? 0 : topics.retained.size();
    }

    private TenantTopics tenant(String tenant) {
        TenantTopics topics = tenants.get(tenant); // the common case without computeIfAbsent's capturing lambda
        return topics != null ? topics : tenants.computeIfAbsent(tenant, t -> new TenantTopics());
    }

    private static void collect(Node node, String[] levels, int i, boolean dollar, Targets targets) {
        boolean wildcardsAllowed = !(dollar && i == 0);
        if (wildcardsAllowed) {
            Node hash = node.children.get("#");
            if (hash != null) {
                hash.addTo(targets); // "a/#" also matches "a"
            }
        }
        if (i == levels.length) {
            node.addTo(targets);
            return;
        }
        Node exact = node.children.get(levels[i]);
        if (exact != null) {
            collect(exact, levels, i + 1, dollar, targets);
        }
        if (wildcardsAllowed) {
            Node plus = node.children.get("+");
            if (plus != null) {
                collect(plus, levels, i + 1, dollar, targets);
            }
        }
    }

    /**
     * The subscribers a publish reaches, each once at its highest matching QoS, in match order. Few
     * per publish as a rule: arrays with a linear duplicate check, an identity index past
     * {@value #LINEAR_TARGETS} (a wide fan-out stays linear in the number of matches).
     */
    private static final class Targets {
        static final int LINEAR_TARGETS = 8;
        Subscriber[] subscribers = new Subscriber[4];
        int[] qos = new int[4];
        int size;
        IdentityHashMap<Subscriber, Integer> index;
        List<Group> groups;

        void add(Subscriber subscriber, int q) {
            if (index != null) {
                Integer at = index.get(subscriber);
                if (at != null) {
                    qos[at] = Math.max(qos[at], q);
                    return;
                }
            } else {
                for (int i = 0; i < size; i++) {
                    if (subscribers[i] == subscriber) {
                        qos[i] = Math.max(qos[i], q);
                        return;
                    }
                }
            }
            if (size == subscribers.length) {
                subscribers = Arrays.copyOf(subscribers, size * 2);
                qos = Arrays.copyOf(qos, size * 2);
            }
            subscribers[size] = subscriber;
            qos[size] = q;
            size++;
            if (index != null) {
                index.put(subscriber, size - 1);
            } else if (size > LINEAR_TARGETS) {
                index = new IdentityHashMap<>();
                for (int i = 0; i < size; i++) {
                    index.put(subscribers[i], i);
                }
            }
        }

        void addGroups(java.util.Collection<Group> more) {
            if (groups == null) {
                groups = new ArrayList<>(2);
            }
            groups.addAll(more);
        }
    }

    /** A topic's match result, immutable once cached, valid while the tenant's generation is unchanged. */
    private record CachedMatch(String topic, long generation, Targets targets) {
    }

    private final class TenantTopics {
        /** Slots of the match cache (a power of two). */
        static final int MATCH_CACHE_SLOTS = 256;
        final Node root = new Node();
        final ConcurrentHashMap<String, RoutedMessage> retained = new ConcurrentHashMap<>();
        /** Bumped by {@link #changed()}. */
        volatile long generation;
        /**
         * Recent match results by topic, direct-mapped on the topic's hash: a device publishes to a few
         * topics over and over, and walking the trie (split the topic, one map lookup per level and
         * wildcard) was a visible per-message cost. Racy on purpose: a slot holds an immutable record,
         * a stale or overwritten slot only means walking the trie again.
         */
        final CachedMatch[] matches = new CachedMatch[MATCH_CACHE_SLOTS];

        /**
         * After every subscribe and unsubscribe, under the tenant's lock: cached matches from before are
         * ignored from now on, and dropped so they do not keep a departed subscriber's queue reachable.
         */
        void changed() {
            generation++;
            Arrays.fill(matches, null);
        }

        /**
         * The subscribers of {@code topic} now. A cached result is used only when no subscribe or
         * unsubscribe finished since it was computed; a publish racing a (un)subscribe may or may not
         * see it, as without the cache.
         */
        Targets match(String topic) {
            long current = generation;
            int slot = topic.hashCode() & (MATCH_CACHE_SLOTS - 1);
            CachedMatch cached = matches[slot];
            if (cached != null && cached.generation() == current && cached.topic().equals(topic)) {
                return cached.targets();
            }
            Targets targets = new Targets();
            collect(root, levels(topic), 0, topic.startsWith("$"), targets);
            matches[slot] = new CachedMatch(topic, current, targets);
            return targets;
        }

        /** Synchronized so that the journal records retained changes of a topic in the order the map saw them. */
        synchronized void retain(RoutedMessage message, RetainedJournal journal) {
            if (message.payload().length == 0) {
                if (retained.remove(message.topic()) != null && journal != null) {
                    journal.cleared(message.tenant(), message.topic());
                }
            } else if (retained.size() < maxRetainedPerTenant || retained.containsKey(message.topic())) {
                retained.put(message.topic(), message);
                if (journal != null) {
                    journal.retained(message);
                }
            } else {
                onDrop.accept("retained_limit");
            }
        }
    }

    private static final class Node {
        final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>();
        final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
        final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();

        void addTo(Targets targets) {
            for (Subscription s : subscriptions) {
                targets.add(s.subscriber(), s.qos());
            }
            if (!groups.isEmpty()) {
                targets.addGroups(groups.values());
            }
        }

        boolean isEmpty() {
            return children.isEmpty() && subscriptions.isEmpty() && groups.isEmpty();
        }
    }

    private static final class Group {
        final CopyOnWriteArrayList<Subscription> members = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();
        volatile Subscriber last;

        /** Offers to the next member round-robin; tries the others if it drops; null if no members. */
        Subscriber.Offer deliver(RoutedMessage message) {
            Object[] snapshot = members.toArray();
            if (snapshot.length == 0) {
                return null;
            }
            int start = Math.floorMod(next.getAndIncrement(), snapshot.length);
            Subscriber.Offer offer = Subscriber.Offer.DROPPED;
            for (int k = 0; k < snapshot.length; k++) {
                Subscription s = (Subscription) snapshot[(start + k) % snapshot.length];
                offer = s.subscriber().offer(message, Math.min(s.qos(), message.qos()));
                last = s.subscriber();
                if (offer != Subscriber.Offer.DROPPED) {
                    break;
                }
            }
            return offer;
        }

        Subscriber lastTarget() {
            return last;
        }
    }
}
