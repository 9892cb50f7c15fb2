package io.edgeauth.broker.router;

/**
 * A subscription held by the router: tenant, filter as requested (a shared subscription keeps its
 * {@code $share/group/} prefix), granted QoS and the subscriber.
 */
public record Subscription(String tenant, String filter, int qos, Subscriber subscriber) {

    /** The filter without a {@code $share/group/} prefix. */
    public String topicFilter() {
        return SharedFilter.parse(filter).filter();
    }

    /** The share group, or null. */
    public String shareGroup() {
        return SharedFilter.parse(filter).group();
    }
}
