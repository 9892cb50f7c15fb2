package io.edgeauth.broker.refusal;

/**
 * A client's own text (a field name, a content type, a claimed id) as it may appear in a refusal's description: cut to
 * a bound, so a refusal never echoes an unbounded string back. Stateless.
 */
public final class ClientText {
    private ClientText() {
    }

    /** {@code text}, or its first {@code max} characters and "..." when longer. */
    public static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }
}
