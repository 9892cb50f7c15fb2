package io.edgeauth.broker.service;

import io.edgeauth.broker.policy.TopicFilters;
import java.util.Objects;

/**
 * One topic grant of a service client: publish or subscribe on a tenant-relative MQTT topic filter, written
 * {@code pub:<filter>} or {@code sub:<filter>} (the spelling of the token's scope entries, so the token names
 * exactly what the operator granted). Immutable.
 *
 * @param direction publish or subscribe
 * @param filter    MQTT topic filter, relative to the service's tenant
 */
public record TopicGrant(Direction direction, String filter) {
    /** Longest filter accepted: far above any topic the contract defines, far below a topic alias table. */
    static final int MAX_FILTER_CHARS = 256;
    /** Device telemetry: only a device publishes there, so no publish grant may reach it. */
    private static final String DEVICE_TELEMETRY = "d/+/up/#";

    /** What the grant lets the service do on matching topics. */
    public enum Direction {
        PUB("pub"), SUB("sub");

        private final String prefix;

        Direction(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    public TopicGrant {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(filter, "filter");
    }

    /**
     * Parses {@code pub:<filter>} or {@code sub:<filter>} and applies the rules every grant must meet: a valid
     * MQTT filter (wildcards only as whole levels, {@code #} last), no {@code $} topics (shared subscriptions and
     * broker topics are not grantable), no empty leading level, no control characters, and no publish grant that
     * reaches a device's telemetry {@code d/<id>/up/...} (a service never speaks as a device).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static TopicGrant parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a grant must be a string pub:<filter> or sub:<filter>");
        }
        Direction direction = text.startsWith("pub:") ? Direction.PUB : text.startsWith("sub:") ? Direction.SUB : null;
        if (direction == null) {
            throw new IllegalArgumentException("a grant must start with pub: or sub:");
        }
        String filter = text.substring(4);
        if (filter.length() > MAX_FILTER_CHARS) {
            throw new IllegalArgumentException("a grant's filter is limited to " + MAX_FILTER_CHARS + " characters");
        }
        String error = TopicFilters.filterError(filter);
        if (error != null) {
            throw new IllegalArgumentException("not a valid topic filter: " + error);
        }
        if (filter.startsWith("$") || filter.startsWith("/")) {
            throw new IllegalArgumentException("a grant may not start with $ or / ($ topics and empty levels are not grantable)");
        }
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\uFFFF') {
                throw new IllegalArgumentException("a grant's filter may not hold control characters");
            }
        }
        if (direction == Direction.PUB && overlaps(filter, DEVICE_TELEMETRY)) {
            throw new IllegalArgumentException("a publish grant may not reach device telemetry d/<id>/up/...:"
                    + " only a device publishes there");
        }
        return new TopicGrant(direction, filter);
    }

    /** The scope entry that carries this grant in a token: {@code pub:<filter>} or {@code sub:<filter>}. */
    public String scope() {
        return direction.prefix() + ':' + filter;
    }

    /** Whether every topic {@code requested} (a grant of the same direction) reaches is one this grant reaches. */
    public boolean covers(TopicGrant requested) {
        return direction == requested.direction && TopicFilters.covers(filter, requested.filter);
    }

    /** Whether some topic matches both filters (level by level; {@code #} matches the rest, including nothing). */
    static boolean overlaps(String a, String b) {
        String[] x = a.split("/", -1);
        String[] y = b.split("/", -1);
        int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            if (x[i].equals("#") || y[i].equals("#")) {
                return true;
            }
            if (!x[i].equals("+") && !y[i].equals("+") && !x[i].equals(y[i])) {
                return false;
            }
        }
        if (x.length == y.length) {
            return true;
        }
        String[] longer = x.length > y.length ? x : y;
        return longer.length == n + 1 && longer[n].equals("#");
    }

    @Override
    public String toString() {
        return scope();
    }
}
