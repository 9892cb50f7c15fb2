package io.edgeauth.wallet.internal;

/**
 * Hand-written RFC 3986 recognisers for the pieces EIP-4361 uses (scheme, authority, URI, pchar).
 *
 * <p>Why not {@link java.net.URI}: it implements RFC 2396 with extensions, accepts some strings RFC
 * 3986 refuses and refuses some it accepts (e.g. IPv6 zone forms), and throws exceptions whose cost
 * matters on a hot path. These recognisers only answer yes/no, allocate nothing and run in linear
 * time, which matters for hostile input. Stateless and thread-safe.
 */
public final class Rfc3986 {
    private Rfc3986() {
    }

    static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
    public static boolean isUnreserved(char c) {
        return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** sub-delims = "!" / "$" / "&amp;" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=" */
    public static boolean isSubDelim(char c) {
        switch (c) {
            case '!': case '$': case '&': case '\'': case '(': case ')':
            case '*': case '+': case ',': case ';': case '=':
                return true;
            default:
                return false;
        }
    }

    /** gen-delims = ":" / "/" / "?" / "#" / "[" / "]" / "@" */
    public static boolean isGenDelim(char c) {
        return c == ':' || c == '/' || c == '?' || c == '#' || c == '[' || c == ']' || c == '@';
    }

    /** reserved = gen-delims / sub-delims */
    public static boolean isReserved(char c) {
        return isGenDelim(c) || isSubDelim(c);
    }

    /** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    public static boolean isScheme(CharSequence s) {
        int n = s.length();
        if (n == 0 || !isAlpha(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = s.charAt(i);
            if (!(isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks that {@code s[from, to)} is made of the given character class, where a {@code %} must
     * start a valid pct-encoded triplet. {@code extra} lists additional allowed characters.
     */
    private static boolean isPctRun(CharSequence s, int from, int to, boolean pchar, String extra) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= to || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (!(isUnreserved(c) || isSubDelim(c) || extra.indexOf(c) >= 0
                    || (pchar && (c == ':' || c == '@')))) {
                return false;
            }
        }
        return true;
    }

    /** pchar run: *( unreserved / pct-encoded / sub-delims / ":" / "@" ) */
    public static boolean isPcharRun(CharSequence s) {
        return isPctRun(s, 0, s.length(), true, "");
    }

    /** authority = [ userinfo "@" ] host [ ":" port ]; the whole of {@code s} must match. */
    public static boolean isAuthority(CharSequence s) {
        return isAuthority(s, 0, s.length());
    }

    static boolean isAuthority(CharSequence s, int from, int to) {
        int at = -1;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '@') {
                at = i; // userinfo cannot contain '@', so the first one ends it
                break;
            }
        }
        int hostStart = from;
        if (at >= 0) {
            // userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
            if (!isPctRun(s, from, at, false, ":")) {
                return false;
            }
            hostStart = at + 1;
        }
        int hostEnd;
        if (hostStart < to && s.charAt(hostStart) == '[') {
            int close = -1;
            for (int i = hostStart; i < to; i++) {
                if (s.charAt(i) == ']') {
                    close = i;
                    break;
                }
            }
            if (close < 0 || !isIpLiteralBody(s, hostStart + 1, close)) {
                return false;
            }
            hostEnd = close + 1;
        } else {
            hostEnd = hostStart;
            while (hostEnd < to && s.charAt(hostEnd) != ':') {
                hostEnd++;
            }
            // reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4address is a subset of it
            if (!isPctRun(s, hostStart, hostEnd, false, "")) {
                return false;
            }
        }
        if (hostEnd == to) {
            return true;
        }
        if (s.charAt(hostEnd) != ':') {
            return false;
        }
        for (int i = hostEnd + 1; i < to; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** IPv6address / IPvFuture between the brackets of an IP-literal. */
    private static boolean isIpLiteralBody(CharSequence s, int from, int to) {
        if (from < to && (s.charAt(from) == 'v' || s.charAt(from) == 'V')) {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            int i = from + 1;
            int hexStart = i;
            while (i < to && isHex(s.charAt(i))) {
                i++;
            }
            if (i == hexStart || i >= to || s.charAt(i) != '.' || i + 1 >= to) {
                return false;
            }
            for (i++; i < to; i++) {
                char c = s.charAt(i);
                if (!(isUnreserved(c) || isSubDelim(c) || c == ':')) {
                    return false;
                }
            }
            return true;
        }
        return isIpv6(s, from, to);
    }

    /** IPv6address per RFC 3986 section 3.2.2 (with optional trailing IPv4 and one "::"). */
    static boolean isIpv6(CharSequence s, int from, int to) {
        int groups = 0;
        boolean doubleColon = false;
        int i = from;
        if (to - from < 2) {
            return false;
        }
        if (s.charAt(i) == ':') {
            if (s.charAt(i + 1) != ':') {
                return false;
            }
            doubleColon = true;
            i += 2;
            if (i == to) {
                return true; // "::"
            }
        }
        while (i < to) {
            int start = i;
            while (i < to && isHex(s.charAt(i)) && i - start < 5) {
                i++;
            }
            int len = i - start;
            if (i < to && s.charAt(i) == '.') {
                // trailing IPv4 counts as two groups
                if (!isIpv4(s, start, to)) {
                    return false;
                }
                groups += 2;
                i = to;
                break;
            }
            if (len == 0 || len > 4) {
                return false;
            }
            groups++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (doubleColon) {
                    return false;
                }
                doubleColon = true;
                i++;
                if (i == to) {
                    break;
                }
            } else if (i == to) {
                return false; // trailing single colon
            }
        }
        return doubleColon ? groups <= 7 : groups == 8;
    }

    /** IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet */
    static boolean isIpv4(CharSequence s, int from, int to) {
        int parts = 0;
        int i = from;
        while (parts < 4) {
            int start = i;
            int value = 0;
            while (i < to && isDigit(s.charAt(i)) && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || value > 255 || (len > 1 && s.charAt(start) == '0')) {
                return false;
            }
            parts++;
            if (parts < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        return i == to;
    }

    /**
     * URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ] (an absolute URI, fragment allowed).
     */
    public static boolean isUri(CharSequence s) {
        int n = s.length();
        int colon = -1;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == ':') {
                colon = i;
                break;
            }
            if (c == '/' || c == '?' || c == '#') {
                return false;
            }
        }
        if (colon <= 0 || !isScheme(s.subSequence(0, colon))) {
            return false;
        }
        int i = colon + 1;
        int end = n;
        int hash = indexOf(s, '#', i, n);
        if (hash >= 0) {
            // fragment = *( pchar / "/" / "?" )
            if (!isPctRun(s, hash + 1, n, true, "/?")) {
                return false;
            }
            end = hash;
        }
        int query = indexOf(s, '?', i, end);
        if (query >= 0) {
            if (!isPctRun(s, query + 1, end, true, "/?")) {
                return false;
            }
            end = query;
        }
        // hier-part = "//" authority path-abempty / path-absolute / path-rootless / path-empty
        if (end - i >= 2 && s.charAt(i) == '/' && s.charAt(i + 1) == '/') {
            int authStart = i + 2;
            int authEnd = authStart;
            while (authEnd < end && s.charAt(authEnd) != '/') {
                authEnd++;
            }
            if (!isAuthority(s, authStart, authEnd)) {
                return false;
            }
            i = authEnd;
        }
        // path characters: segments of pchar separated by "/"
        return isPctRun(s, i, end, true, "/");
    }

    private static int indexOf(CharSequence s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }
}
