package io.edgeauth.broker.router;

/**
 * A subscription held by the router: tenant, filter as requested (a shared subscription keeps its
 * {@code $share/group/} prefix), granted QoS, the subscriber and the MQTT 5 options the router applies
 * ({@link #NO_LOCAL}, {@link #RETAIN_AS_PUBLISHED}, as §3.8.3.1 lays out the options byte).
 */
public record Subscription(String tenant, String filter, int qos, Subscriber subscriber, int flags) {
    /** No Local: not sent messages its own subscriber published (MQTT 5 §3.8.3.1). */
    public static final int NO_LOCAL = 0x04;
    /** Retain As Published: live messages keep their publisher's RETAIN flag. */
    public static final int RETAIN_AS_PUBLISHED = 0x08;

    public Subscription {
        flags &= NO_LOCAL | RETAIN_AS_PUBLISHED;
    }

    public Subscription(String tenant, String filter, int qos, Subscriber subscriber) {
        this(tenant, filter, qos, subscriber, 0);
    }

    /** The granted QoS and the flags in one value, as the MQTT 5 options byte has them (Retain Handling aside). */
    public int options() {
        return qos | flags;
    }

    /** The filter without a {@code $share/group/} prefix. */
    public String topicFilter() {
        return SharedFilter.parse(filter).filter();
    }

    /** The share group, or null. */
    public String shareGroup() {
        return SharedFilter.parse(filter).group();
    }
}
