package io.edgeauth.simulator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code --local-addrs}: a count {@code N} (127.0.0.2 .. 127.0.0.(N+1)), a range
 * {@code 127.0.0.2-127.0.0.40} (the last octet varies), or a comma-separated list of addresses.
 */
final class LocalAddresses {
    static final int MAX = 250;

    private LocalAddresses() {
    }

    static List<InetAddress> parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.isEmpty() || s.equals("0")) {
            return List.of();
        }
        List<InetAddress> out = new ArrayList<>();
        if (s.matches("\\d{1,3}")) {
            int n = Integer.parseInt(s);
            if (n > MAX) {
                throw new IllegalArgumentException("--local-addrs: at most " + MAX + " addresses");
            }
            for (int i = 0; i < n; i++) {
                out.add(address("127.0.0." + (2 + i)));
            }
            return out;
        }
        if (s.contains("-")) {
            String[] ends = s.split("-", 2);
            String a = ends[0].trim();
            String b = ends[1].trim();
            int dot = a.lastIndexOf('.');
            if (dot < 0 || !b.startsWith(a.substring(0, dot + 1))) {
                throw new IllegalArgumentException("--local-addrs range must vary only the last octet: " + s);
            }
            int from = octet(a.substring(dot + 1));
            int to = octet(b.substring(dot + 1));
            if (to < from) {
                throw new IllegalArgumentException("--local-addrs range is empty: " + s);
            }
            for (int i = from; i <= to; i++) {
                out.add(address(a.substring(0, dot + 1) + i));
            }
            return out;
        }
        for (String part : s.split(",")) {
            out.add(address(part.trim()));
        }
        if (out.size() > MAX) {
            throw new IllegalArgumentException("--local-addrs: at most " + MAX + " addresses");
        }
        return out;
    }

    private static int octet(String s) {
        try {
            int v = Integer.parseInt(s);
            if (v < 0 || v > 255) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--local-addrs: not an address octet: " + s);
        }
    }

    private static InetAddress address(String literal) {
        if (!literal.matches("[0-9.]{7,15}|[0-9a-fA-F:]{2,39}")) {
            throw new IllegalArgumentException("--local-addrs: not an IP address literal: " + literal);
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--local-addrs: not an IP address: " + literal);
        }
    }
}
