package io.edgeauth.broker.router;

import io.edgeauth.broker.policy.TopicFilters;

/** A topic filter split into its share group ({@code $share/group/filter}, MQTT 5 §4.8.2) and filter. */
public record SharedFilter(String group, String filter) {
    private static final String PREFIX = "$share/";

    /** Parses a filter; group is null for a non-shared filter, and also for a malformed share (see {@link #error}). */
    public static SharedFilter parse(String raw) {
        if (raw.startsWith(PREFIX)) {
            int slash = raw.indexOf('/', PREFIX.length());
            if (slash > PREFIX.length() && slash < raw.length() - 1) {
                return new SharedFilter(raw.substring(PREFIX.length(), slash), raw.substring(slash + 1));
            }
        }
        return new SharedFilter(null, raw);
    }

    /** An error for a malformed shared subscription, or null. */
    public static String error(String raw) {
        if (!raw.startsWith(PREFIX)) {
            return null;
        }
        SharedFilter parsed = parse(raw);
        if (parsed.group() == null) {
            return "shared subscription needs $share/{group}/{filter}";
        }
        if (parsed.group().contains("+") || parsed.group().contains("#")) {
            return "share group name must not contain wildcards";
        }
        // the characters a topic refuses (U+0000, control characters, unpaired surrogates): the edges check the
        // filter after the group only, so a group with a NUL or an escape sequence was accepted (tour AH, AH3)
        String characters = TopicFilters.topicError(parsed.group());
        return characters == null ? null : "share group name: " + characters;
    }
}
