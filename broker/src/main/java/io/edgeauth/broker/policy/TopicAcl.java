package io.edgeauth.broker.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Publish/subscribe permissions of one session, derived once at authentication from the contract of
 * docs/contract.md: a device publishes {@code d/{id}/up/#} and subscribes {@code d/{id}/down/#}; an owner
 * subscribes {@code d/{owned}/up/#} and publishes {@code d/{owned}/down/#}; the token's {@code scope}
 * may grant more with entries {@code pub:<filter>}, {@code sub:<filter>} (or {@code pubsub:<filter>}).
 * Topics are relative to the session's tenant: the router scopes them, so no grant crosses tenants.
 *
 * <p>The contract's grants are not kept as filters: a topic's device id is looked up in the owned set, so an
 * owner of ten thousand devices is checked as fast as a device, and a session holds no per-device strings.
 * Only scope grants are matched filter by filter. Thread-safe (immutable but for a one-entry cache of the
 * last allowed topic, benign to race); used by every protocol edge.
 */
public final class TopicAcl {
    private static final String UP = "up";
    private static final String DOWN = "down";

    /** The device this session is, or null for a wallet (wallets own devices, they are not one). */
    private final String device;
    private final Set<String> owned;
    private final List<String> publish;
    private final List<String> subscribe;
    /** The last topic found publishable: a device publishes to few topics, so most checks end here. */
    private volatile String lastPublishable;

    private TopicAcl(String device, Set<String> owned, List<String> publish, List<String> subscribe) {
        this.device = device;
        this.owned = owned;
        this.publish = List.copyOf(publish);
        this.subscribe = List.copyOf(subscribe);
    }

    /**
     * Builds the ACL of a principal (a session builds its own: {@code DeviceSession.topicAcl()}).
     *
     * @param device the device the principal is, or null for one that is no device (a wallet)
     * @param ownedDevices the devices the principal owns
     * @param scope the token's scope entries; {@code pub:}, {@code sub:} and {@code pubsub:} ones grant filters
     */
    public static TopicAcl of(String device, Set<String> ownedDevices, Collection<String> scope) {
        List<String> pub = new ArrayList<>();
        List<String> sub = new ArrayList<>();
        for (String entry : scope) {
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
        return new TopicAcl(device, ownedDevices, pub, sub);
    }

    public boolean mayPublish(String topic) {
        if (topic.equals(lastPublishable)) {
            return true;
        }
        if (contractAllows(topic, false, UP, DOWN)) {
            lastPublishable = topic;
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
        if (contractAllows(filter, true, DOWN, UP)) {
            return true;
        }
        for (String granted : subscribe) {
            if (TopicFilters.covers(granted, filter)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code d/{id}/{direction}} or anything below it is granted by the contract: direction
     * {@code asDevice} for the session's own id, {@code asOwner} for an owned one. For a subscription
     * ({@code filter}), the id and direction levels must be literal; wildcards below them are covered by
     * the grant's {@code #}.
     */
    private boolean contractAllows(String topic, boolean filter, String asDevice, String asOwner) {
        if (topic.length() < 5 || topic.charAt(0) != 'd' || topic.charAt(1) != '/') {
            return false;
        }
        int idEnd = topic.indexOf('/', 2);
        if (idEnd < 0) {
            return false;
        }
        int dirEnd = topic.indexOf('/', idEnd + 1);
        int dirLen = (dirEnd < 0 ? topic.length() : dirEnd) - idEnd - 1;
        int idLen = idEnd - 2;
        if (filter && idLen == 1 && (topic.charAt(2) == '+' || topic.charAt(2) == '#')) {
            return false;
        }
        if (dirLen == asDevice.length() && topic.startsWith(asDevice, idEnd + 1)) {
            // compared in place: this runs per message, so no substring for the device's own id
            return device != null && device.length() == idLen && topic.startsWith(device, 2);
        }
        if (dirLen == asOwner.length() && topic.startsWith(asOwner, idEnd + 1)) {
            return !owned.isEmpty() && owned.contains(topic.substring(2, idEnd));
        }
        return false;
    }

    @Override
    public String toString() {
        return "TopicAcl{device=" + device + ", owned=" + owned.size() + ", pub=" + publish + ", sub=" + subscribe + "}";
    }
}
