package io.edgeauth.simulator.report;

/** HTML escaping for text and attribute values (reasons and metric names come from the broker). */
final class Html {
    private Html() {
    }

    static String escape(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c < 0x20 && c != '\n' && c != '\t' ? '?' : c);
            }
        }
        return b.toString();
    }
}
