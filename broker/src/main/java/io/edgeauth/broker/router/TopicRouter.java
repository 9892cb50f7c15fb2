package io.edgeauth.broker.router;

import io.edgeauth.broker.policy.TopicFilters;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tenant-scoped publish/subscribe shared by the MQTT and CoAP edges (and other nodes). A topic is the
 * pair (tenant, topic): every tenant has its own subscription trie and its own retained messages, so
 * {@code d/x/up} of one tenant never meets {@code d/x/up} of another.
 *
 * <p>Matching walks a trie of topic levels with {@code +} and {@code #} children (MQTT 5 §4.7), so a
 * publish costs O(depth x wildcard branches), not O(subscriptions). A subscriber matched by several
 * of its subscriptions gets one copy at the highest granted QoS. Shared subscriptions
 * {@code $share/group/filter} deliver each message to one member of the group, round-robin (skipping
 * members that drop it while another can take it). Deliveries are capped at QoS 1: QoS 2 publishes
 * are routed as QoS 1 (at-least-once). Retained messages are kept per tenant (an empty retained
 * payload deletes), bounded per tenant, per device tree and per publisher outside device trees ({@link RetainedMessages}); they are sent to new
 * non-shared subscriptions. A retained publish of a new topic beyond a bound is refused as a whole (neither
 * kept nor delivered: {@link PublishResult#retainRefused()}), so an edge can tell its publisher.
 *
 * <p>Authorization is not done here: edges check the session's ACL before calling. Thread-safe:
 * publish is lock-free; subscribe and unsubscribe lock the tenant's trie.
 */
public final class TopicRouter {

    private final int maxRetainedPerTenant;
    private final int maxRetainedPerDevice;
    private final Consumer<String> onDrop;
    private final ConcurrentHashMap<String, TenantTopics> tenants = new ConcurrentHashMap<>();
    private volatile RetainedJournal retainedJournal;
    private volatile ClusterLink cluster;
    private volatile Clock clock = Clock.systemUTC();
    /** Set once another node's route arrives: until then (always, on a single node) publish skips the remote checks. */
    private volatile boolean remoteSubscribers;

    /** A router whose only retained bound is per tenant. */
    public TopicRouter(int maxRetainedPerTenant, Consumer<String> onDrop) {
        this(maxRetainedPerTenant, maxRetainedPerTenant, onDrop);
    }

    /**
     * @param maxRetainedPerTenant bound on retained topics per tenant (at least 1)
     * @param maxRetainedPerDevice bound on retained topics under one device's {@code d/<id>}, and of one publisher outside device trees (1 to the tenant's)
     * @param onDrop               told the reason of router-level drops ({@code retained_limit})
     */
    public TopicRouter(int maxRetainedPerTenant, int maxRetainedPerDevice, Consumer<String> onDrop) {
        if (maxRetainedPerTenant < 1 || maxRetainedPerDevice < 1 || maxRetainedPerDevice > maxRetainedPerTenant) {
            throw new IllegalArgumentException("retained bounds: expected 1 <= per device (" + maxRetainedPerDevice
                    + ") <= per tenant (" + maxRetainedPerTenant + ")");
        }
        this.maxRetainedPerTenant = maxRetainedPerTenant;
        this.maxRetainedPerDevice = maxRetainedPerDevice;
        this.onDrop = onDrop == null ? r -> { } : onDrop;
    }

    /** The clock messages expire by (the one the edges stamp their expiry with); the system clock by default. */
    public void clock(Clock expiryClock) {
        this.clock = Objects.requireNonNull(expiryClock, "clock");
    }

    /** The clock messages expire by. */
    public Clock clock() {
        return clock;
    }

    /** Records retained messages in {@code journal} from now on (persistence across restarts). */
    public void retainedJournal(RetainedJournal journal) {
        this.retainedJournal = journal;
    }

    /** Tells {@code link} about local subscriptions and retained changes from now on (several nodes only). */
    public void clusterLink(ClusterLink link) {
        this.cluster = link;
    }

    /**
     * Puts back a retained message from this node's journal at start-up (not journaled again, not routed).
     * Ignored once a {@link #clusterLink} is set: the shared store then holds every node's retained messages
     * and was loaded first; a journal copy would bring back what another node replaced or cleared meanwhile.
     */
    public void restoreRetained(RoutedMessage message) {
        if (cluster == null) {
            keep(message, null);
        }
    }

    /** Applies a retained change from the shared store (another node's, or a load of it); not routed. */
    public void applyShared(RoutedMessage message) {
        keep(message, null);
    }

    /**
     * After a resync with the shared store: drops the retained messages whose {@code tenant/topic} key it no
     * longer holds (their removal was among the changes the feed lost); how many. Not journaled, not linked.
     */
    public int dropRetainedNotIn(java.util.Set<String> sharedKeys) {
        int dropped = 0;
        for (var entry : tenants.entrySet()) {
            String prefix = entry.getKey() + "/";
            dropped += entry.getValue().retained.removeIf(t -> !sharedKeys.contains(prefix + t));
        }
        return dropped;
    }

    private boolean keep(RoutedMessage message, RetainedJournal journal) {
        RetainedMessages retained = tenant(message.tenant()).retained;
        boolean kept = retained.apply(message, journal);
        if (!kept && cleared(message.tenant(), retained.clearExpired(message.tenant(), clock.millis(), journal)) > 0) {
            kept = retained.apply(message, journal); // expired messages do not take the room of live ones
        }
        if (!kept) {
            onDrop.accept("retained_limit");
        }
        return kept;
    }

    /**
     * Deletes the retained messages of {@code topic} and every topic below it in {@code tenant} (a device's
     * tree on its deletion, its commands on an ownership change), here, in the journal and, through the
     * {@link ClusterLink}, on the other nodes; how many there were.
     *
     * @throws IllegalArgumentException if {@code topic} is not a valid topic name (wildcards, empty)
     */
    public int clearRetained(String tenant, String topic) {
        String error = TopicFilters.topicError(topic);
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        TenantTopics topics = tenants.get(tenant);
        if (topics == null) {
            return 0;
        }
        return cleared(tenant, topics.retained.clearUnder(tenant, topic, retainedJournal));
    }

    /**
     * Deletes the retained messages {@code origin} (a principal) published in {@code tenant}, wherever they are (a
     * deleted service's), here, in the journal and on the other nodes; how many there were.
     */
    public int clearRetainedFrom(String tenant, String origin) {
        TenantTopics topics = tenants.get(tenant);
        return topics == null ? 0 : cleared(tenant, topics.retained.clearFrom(tenant, origin, retainedJournal));
    }

    private int cleared(String tenant, List<String> cleared) {
        ClusterLink link = cluster;
        if (link != null) {
            cleared.forEach(t -> link.retained(new RoutedMessage(tenant, t, null, 0, true, null, null)));
        }
        return cleared.size();
    }

    /** Publishes within a tenant; the CoAP edge's entry point. */
    public PublishResult publish(String tenant, String topic, byte[] payload, int qos, boolean retain,
                                 List<RoutedMessage.UserProperty> properties, String origin) {
        return publish(new RoutedMessage(tenant, topic, payload, qos, retain, properties, origin));
    }

    /**
     * Publishes a message to the matching subscribers of its tenant, local and remote, and keeps it if
     * retained.
     */
    public PublishResult publish(RoutedMessage message) {
        return route(message, true, null, null, null);
    }

    /** As {@link #publish(RoutedMessage)} by {@code publisher}, whose No Local subscriptions it skips. */
    public PublishResult publish(RoutedMessage message, Subscriber publisher) {
        return route(message, true, null, null, publisher);
    }

    /**
     * Delivers a message that another node routed to this one: to the local subscribers only (never to a
     * {@link RemoteSubscriber}, so nothing travels twice), and either to every non-shared subscription
     * ({@code shareGroup} null: the publisher's node picked the share groups' members itself) or to one
     * member of the share group {@code shareGroup} at {@code shareFilter}. Retained state is not touched
     * (it travels on its own, see {@link ClusterLink#retained}); the RETAIN flag as published reaches the
     * subscriptions with Retain As Published only.
     */
    public PublishResult deliverLocally(RoutedMessage message, String shareGroup, String shareFilter) {
        return route(message, false, shareGroup, shareFilter, null);
    }

    private PublishResult route(RoutedMessage message, boolean fromHere, String shareGroup, String shareFilter,
                                Subscriber publisher) {
        String error = TopicFilters.topicError(message.topic());
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        TenantTopics topics = tenant(message.tenant());
        CompletableFuture<Void> handoff = null;
        if (fromHere && message.retain()) {
            if (!keep(message, retainedJournal)) {
                return PublishResult.RETAIN_REFUSED; // a publisher told "not kept" must not find it delivered
            }
            ClusterLink link = cluster;
            if (link != null) {
                handoff = link.retained(message);
            }
        }
        if (shareGroup != null) {
            return deliverToGroup(topics, message, shareGroup, shareFilter);
        }
        Targets targets = topics.match(message.topic());
        RoutedMessage live = message.withRetain(false);
        boolean remote = remoteSubscribers;
        int accepted = 0;
        int dropped = 0;
        List<Subscriber> congested = List.of();
        for (int i = 0; i < targets.size; i++) {
            Subscriber subscriber = targets.subscribers[i];
            int options = targets.qos[i];
            int qos = Math.min(options & 3, message.qos());
            Subscriber.Offer offer;
            if (remote && subscriber instanceof RemoteSubscriber node) {
                if (!fromHere) {
                    continue;
                }
                if (qos > 0) { // as published: the other node applies its subscriptions' options
                    handoff = PublishResult.both(handoff, node.handOff(message));
                    accepted++;
                    continue;
                }
            } else if ((options & Subscription.NO_LOCAL) != 0 && subscriber == publisher) {
                continue; // MQTT 5 §3.8.3.1: not to the publisher's own No Local subscriptions
            }
            boolean asPublished = (options & Subscription.RETAIN_AS_PUBLISHED) != 0
                    || remote && subscriber instanceof RemoteSubscriber; // QoS 0 to another node: it decides too
            offer = subscriber.offer(asPublished ? message : live, qos);
            if (offer == Subscriber.Offer.DROPPED) {
                dropped++;
            } else {
                accepted++;
                if (offer == Subscriber.Offer.CONGESTED) {
                    congested = PublishResult.add(congested, subscriber);
                }
            }
        }
        int groupCount = !fromHere || targets.groups == null ? 0 : targets.groups.size();
        for (int i = 0; i < groupCount; i++) {
            ShareGroup group = targets.groups.get(i);
            Subscriber.Offer offer;
            Subscription target = group.next();
            if (target == null) {
                continue;
            }
            if (remote && target.subscriber() instanceof RemoteSubscriber node && live.qos() > 0 && target.qos() > 0) {
                handoff = PublishResult.both(handoff, node.handOff(message));
                offer = Subscriber.Offer.ACCEPTED;
            } else {
                offer = group.deliver(message, target);
            }
            if (offer == Subscriber.Offer.DROPPED) {
                dropped++;
            } else {
                accepted++;
                if (offer == Subscriber.Offer.CONGESTED) {
                    congested = PublishResult.add(congested, group.lastTarget());
                }
            }
        }
        return new PublishResult(targets.size + groupCount, accepted, dropped, congested, handoff);
    }

    /** One local member of a share group, for a message another node's router chose this node for. */
    private PublishResult deliverToGroup(TenantTopics topics, RoutedMessage message, String group, String filter) {
        Node node = topics.root;
        for (String level : filter.split("/", -1)) {
            node = node == null ? null : node.children.get(level);
        }
        ShareGroup members = node == null ? null : node.groups.get(group);
        Subscription target = members == null ? null : members.nextLocal();
        if (target == null) {
            onDrop.accept("share_group_gone"); // the members left after the other node chose this one
            return new PublishResult(0, 0, 1, List.of());
        }
        Subscriber.Offer offer = members.deliver(message, target);
        boolean taken = offer != Subscriber.Offer.DROPPED;
        return new PublishResult(1, taken ? 1 : 0, taken ? 0 : 1,
                offer == Subscriber.Offer.CONGESTED ? List.of(members.lastTarget()) : List.of());
    }

    /**
     * Subscribes (or replaces the QoS of the same subscriber's subscription to the same filter) and
     * offers the matching retained messages to a non-shared subscription.
     *
     * @param filter topic filter, optionally {@code $share/group/filter}
     * @param qos    granted QoS (capped at 1)
     */
    public Subscription subscribe(String tenant, String filter, int qos, Subscriber subscriber) {
        return subscribe(tenant, filter, qos, subscriber, true);
    }

    /**
     * As {@link #subscribe(String, String, int, Subscriber)}; {@code sendRetained} false offers no retained message: a
     * persistent session restored or taken over had its retained messages when it subscribed (MQTT sends them on a
     * SUBSCRIBE only), and copies queued behind what it is owed would push the owed messages out of a bounded queue.
     */
    public Subscription subscribe(String tenant, String filter, int qos, Subscriber subscriber, boolean sendRetained) {
        return subscribe(tenant, filter, qos, 0, subscriber, sendRetained);
    }

    /** As {@link #subscribe(String, String, int, Subscriber, boolean)} with {@link Subscription} flags. */
    public Subscription subscribe(String tenant, String filter, int qos, int flags, Subscriber subscriber,
                                  boolean sendRetained) {
        Objects.requireNonNull(subscriber, "subscriber");
        String shareError = SharedFilter.error(filter);
        SharedFilter shared = SharedFilter.parse(filter);
        String filterError = shareError != null ? shareError : TopicFilters.filterError(shared.filter());
        if (filterError != null) {
            throw new IllegalArgumentException(filterError);
        }
        int granted = Math.min(Math.max(qos, 0), 1);
        if (subscriber instanceof RemoteSubscriber && !remoteSubscribers) {
            remoteSubscribers = true; // before the route is in the trie: a publish that finds it also checks it
        }
        Subscription subscription = new Subscription(tenant, filter, granted, subscriber, flags);
        TenantTopics topics = tenant(tenant);
        synchronized (topics) {
            Node node = topics.root;
            for (String level : shared.filter().split("/", -1)) {
                node = node.children.computeIfAbsent(level, l -> new Node());
            }
            boolean replaced;
            if (shared.group() == null) {
                replaced = node.subscriptions.removeIf(s -> s.subscriber() == subscriber);
                node.subscriptions.add(subscription);
            } else {
                ShareGroup group = node.groups.computeIfAbsent(shared.group(), g -> new ShareGroup());
                replaced = group.members.removeIf(s -> s.subscriber() == subscriber);
                group.members.add(subscription);
            }
            topics.changed();
            ClusterLink link = cluster;
            if (link != null && !replaced && !(subscriber instanceof RemoteSubscriber)) {
                link.subscribed(tenant, filter); // under the lock: announcements of one filter stay in order
            }
        }
        if (sendRetained && shared.group() == null && !(subscriber instanceof RemoteSubscriber)) { // each node has them
            long now = clock.millis();
            for (RoutedMessage retained : topics.retained.values()) {
                if (TopicFilters.matches(shared.filter(), retained.topic()) && !retained.expiredAt(now)) {
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
                ShareGroup group = leaf.groups.get(shared.group());
                removed = group != null && group.members.removeIf(s -> s.subscriber() == subscription.subscriber());
                if (group != null && group.members.isEmpty()) {
                    leaf.groups.remove(shared.group());
                }
            }
            for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) { // prune empty branches
                path[i - 1].children.remove(levels[i - 1], path[i]);
            }
            topics.changed();
            ClusterLink link = cluster;
            if (link != null && removed && !(subscription.subscriber() instanceof RemoteSubscriber)) {
                link.unsubscribed(subscription.tenant(), subscription.filter());
            }
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

    /** A topic's match result, immutable once cached, valid while the tenant's generation is unchanged. */
    private record CachedMatch(String topic, long generation, Targets targets) {
    }

    private final class TenantTopics {
        /** Slots of the match cache (a power of two). */
        static final int MATCH_CACHE_SLOTS = 256;
        final Node root = new Node();
        final RetainedMessages retained = new RetainedMessages(maxRetainedPerTenant, maxRetainedPerDevice);
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
            collect(root, TopicLevels.split(topic), 0, topic.startsWith("$"), targets);
            matches[slot] = new CachedMatch(topic, current, targets);
            return targets;
        }
    }

    private static final class Node {
        final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>();
        final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
        final ConcurrentHashMap<String, ShareGroup> groups = new ConcurrentHashMap<>();

        void addTo(Targets targets) {
            for (Subscription s : subscriptions) {
                targets.add(s.subscriber(), s.options());
            }
            if (!groups.isEmpty()) {
                targets.addGroups(groups.values());
            }
        }

        boolean isEmpty() {
            return children.isEmpty() && subscriptions.isEmpty() && groups.isEmpty();
        }
    }
}
