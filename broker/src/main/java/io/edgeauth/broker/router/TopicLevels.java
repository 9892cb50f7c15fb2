package io.edgeauth.broker.router;

/** Splitting a topic name into its levels, on the publish path of every message. Stateless. */
final class TopicLevels {
    private TopicLevels() {
    }

    /** The levels of a topic name ({@code "a//b"} has an empty middle level), without a regex or list. */
    static String[] split(String topic) {
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
}
