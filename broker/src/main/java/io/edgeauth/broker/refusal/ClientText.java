package io.edgeauth.broker.refusal;

import java.util.regex.Pattern;

/**
 * A client's own text (a field name, a content type, a claimed id) as it may appear in a refusal's description or its
 * audit line: cut to a bound, so a refusal never echoes or records an unbounded string. Stateless.
 */
public final class ClientText {
    /** The broker's admin credentials ({@code AdminCredential}): never recorded, whatever field they were sent in. */
    private static final Pattern ADMIN_CREDENTIAL = Pattern.compile("ea_admin_[A-Za-z0-9_-]+");
    /**
     * How much of a refused id or path an audit line keeps: every id the broker accepts fits (client ids are at most 128
     * characters by default), a token sent in its place does not (an ES256 JWT is over 250).
     */
    public static final int AUDITED_MAX = 128;

    private ClientText() {
    }

    /** {@code text}, or its first {@code max} characters and "..." when longer. */
    public static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }

    /**
     * {@code text} (null stays null) as the audit log keeps a value a refused client sent where an id belongs (a client
     * id, an admin path): an admin credential in it masked, then cut to {@link #AUDITED_MAX}, since a script that swaps
     * two arguments sends its token or credential there (tour AA, AA10).
     */
    public static String audited(String text) {
        if (text == null) {
            return null;
        }
        String masked = text.contains("ea_admin_") ? ADMIN_CREDENTIAL.matcher(text).replaceAll("ea_admin_***") : text;
        return cut(masked, AUDITED_MAX);
    }
}
