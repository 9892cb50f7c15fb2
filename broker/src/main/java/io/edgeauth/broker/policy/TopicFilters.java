package io.edgeauth.broker.policy;

/**
 * MQTT topic filter arithmetic shared by routing and authorization. Written by hand because it is a
 * few lines of spec (MQTT 5 §4.7) and both the router and the ACL need the exact same semantics.
 */
public final class TopicFilters {
    private TopicFilters() {
    }

    /** True if the (wildcard-free) topic name matches the filter. */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false; // MQTT 5 §4.7.2: wildcards at the first level never match $-topics
        }
        // level by level on the strings themselves: this runs for every message, so no substrings
        int fl = filter.length();
        int tl = topic.length();
        int f = 0;
        int t = 0;
        while (true) {
            int fEnd = indexOfSlash(filter, f);
            int fLen = fEnd - f;
            if (fLen == 1 && filter.charAt(f) == '#') {
                return true; // also matches the parent level: "a/#" matches "a"
            }
            if (t > tl) {
                return false; // the topic has fewer levels
            }
            int tEnd = indexOfSlash(topic, t);
            boolean plus = fLen == 1 && filter.charAt(f) == '+';
            if (!plus && (fLen != tEnd - t || !filter.regionMatches(f, topic, t, fLen))) {
                return false;
            }
            if (fEnd == fl) {
                return tEnd == tl; // the filter's last level: the topic must end here too
            }
            f = fEnd + 1;
            t = tEnd + 1;
        }
    }

    /**
     * True if every topic matched by {@code requested} is also matched by {@code granted}, so a
     * subscription to {@code requested} can be allowed under a grant of {@code granted}.
     */
    public static boolean covers(String granted, String requested) {
        if (requested.startsWith("$") && (granted.startsWith("+") || granted.startsWith("#"))) {
            return false; // as in matches: a wildcard first level reaches no $-topic, so it grants none (tour AH, AH1)
        }
        String[] g = granted.split("/", -1);
        String[] r = requested.split("/", -1);
        for (int i = 0; i < g.length; i++) {
            if (g[i].equals("#")) {
                return true;
            }
            if (i >= r.length) {
                return false;
            }
            if (r[i].equals("#")) {
                return false; // a multi-level wildcard asks for more than a single level or literal grants
            }
            if (g[i].equals("+")) {
                continue;
            }
            if (r[i].equals("+") || !g[i].equals(r[i])) {
                return false;
            }
        }
        return r.length == g.length;
    }

    /** Validates a topic filter's wildcard placement (MQTT 5 §4.7.1); returns an error or null. */
    public static String filterError(String filter) {
        if (filter.isEmpty()) {
            return "empty topic filter";
        }
        String characters = characterError(filter);
        if (characters != null) {
            return characters;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                return "'#' must be a whole last level";
            }
            if (level.contains("+") && !level.equals("+")) {
                return "'+' must be a whole level";
            }
        }
        return null;
    }

    /** Validates a topic name used in PUBLISH; returns an error or null. */
    public static String topicError(String topic) {
        if (topic.isEmpty()) {
            return "empty topic";
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return "wildcards are not allowed in a topic name";
        }
        return characterError(topic);
    }

    /**
     * U+0000 (MQTT 5 §1.5.4: the receiver closes the connection), the other C0 and the C1 control characters (which
     * should not be there, and end or garble standard subscribers' output) and unpaired surrogates; null if none.
     */
    private static String characterError(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch >= 0x7f && ch <= 0x9f) {
                return String.format("control character U+%04X in a topic", (int) ch);
            }
            if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                return "unpaired surrogate in a topic";
            }
        }
        return null;
    }

    private static int indexOfSlash(String s, int from) {
        int i = s.indexOf('/', from);
        return i < 0 ? s.length() : i;
    }
}
