package io.edgeauth.broker.config;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host names, IP literals, {@code host[:port]} and origins as settings write them, checked without a DNS look-up (a
 * name that does not resolve yet may well resolve in production; a malformed one never will).
 */
final class HostNames {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:\\[\\]]+)(?::(\\d{1,5}))?");
    private static final Pattern ORIGIN = Pattern.compile("([a-z][a-z0-9+.-]*)://([^/?#]+)");

    private HostNames() {
    }

    /** An IPv4 or IPv6 literal (no brackets) or a DNS name. */
    static boolean host(String h) {
        if (h == null || h.isEmpty() || h.length() > 253) {
            return false;
        }
        Matcher v4 = IPV4.matcher(h);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (IPV6.matcher(h).matches()) {
            return h.chars().filter(ch -> ch == ':').count() >= 2;
        }
        if (h.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch == '.')) {
            return false; // digits and dots only: a broken IPv4 address, not a name
        }
        for (String label : h.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** {@code host[:port]}, an IPv6 host in brackets. */
    static boolean hostPort(String s) {
        Matcher m = s == null ? null : HOST_PORT.matcher(s);
        if (m == null || !m.matches() || m.group(2) != null && Integer.parseInt(m.group(2)) > 65535) {
            return false;
        }
        String h = m.group(1);
        return host(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
    }

    /** {@code scheme://host[:port]}, nothing after it (an origin has no path). */
    static boolean origin(String s) {
        Matcher m = s == null ? null : ORIGIN.matcher(s);
        return m != null && m.matches() && hostPort(m.group(2));
    }

    static void checkHost(List<String> errors, String key, String value) {
        if (!host(value)) {
            errors.add(key + ": expected an IP address or a host name (e.g. 0.0.0.0, ::, localhost, edge.example.com),"
                    + " got '" + printable(value) + "'");
        }
    }

    /** A bounded echo without control characters (a host is no secret, but may come from the environment). */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        return (s.length() > 100 ? s.substring(0, 100) + "..." : s).replaceAll("\\p{Cntrl}", "?");
    }
}
