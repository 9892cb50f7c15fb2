package io.edgeauth.broker.policy;

import io.edgeauth.broker.auth.DeviceSession;
import java.util.ArrayList;
import java.util.List;

/**
 * Publish/subscribe permissions of one session, derived once at authentication from the contract of
 * DESIGN.md: a device publishes {@code d/{id}/up/#} and subscribes {@code d/{id}/down/#}; an owner
 * subscribes {@code d/{owned}/up/#} and publishes {@code d/{owned}/down/#}; the token's {@code scope}
 * may grant more with entries {@code pub:<filter>}, {@code sub:<filter>} (or {@code pubsub:<filter>}).
 * Topics are relative to the session's tenant: the router scopes them, so no grant crosses tenants.
 * Thread-safe (its grants are immutable; a one-entry cache of the last allowed topic is benign to race);
 * used by every protocol edge.
 */
public final class TopicAcl {
    private final List<String> publish;
    private final List<String> subscribe;
    /** The last topic found publishable: a device publishes to few topics, so most checks end here. */
    private volatile String lastPublishable;

    private TopicAcl(List<String> publish, List<String> subscribe) {
        this.publish = List.copyOf(publish);
        this.subscribe = List.copyOf(subscribe);
    }

    /** Builds the ACL for a session. */
    public static TopicAcl of(DeviceSession session) {
        List<String> pub = new ArrayList<>();
        List<String> sub = new ArrayList<>();
        String principal = session.principal();
        if (!principal.startsWith("did:")) { // wallets own devices, they are not one
            pub.add("d/" + principal + "/up/#");
            sub.add("d/" + principal + "/down/#");
        }
        for (String owned : session.ownedDevices()) {
            sub.add("d/" + owned + "/up/#");
            pub.add("d/" + owned + "/down/#");
        }
        for (String entry : session.token().scope()) {
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                continue; // plain OAuth scopes (e.g. "telemetry") carry no topic grant
            }
            String kind = entry.substring(0, colon);
            String filter = entry.substring(colon + 1);
            if (TopicFilters.filterError(filter) != null) {
                continue;
            }
            if (kind.equals("pub") || kind.equals("pubsub")) {
                pub.add(filter);
            }
            if (kind.equals("sub") || kind.equals("pubsub")) {
                sub.add(filter);
            }
        }
        return new TopicAcl(pub, sub);
    }

    public boolean mayPublish(String topic) {
        if (topic.equals(lastPublishable)) {
            return true;
        }
        for (String filter : publish) {
            if (TopicFilters.matches(filter, topic)) {
                lastPublishable = topic;
                return true;
            }
        }
        return false;
    }

    public boolean maySubscribe(String filter) {
        for (String granted : subscribe) {
            if (TopicFilters.covers(granted, filter)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "TopicAcl{pub=" + publish + ", sub=" + subscribe + "}";
    }
}
