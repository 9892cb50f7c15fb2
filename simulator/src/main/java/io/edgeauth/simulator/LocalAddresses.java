package io.edgeauth.simulator;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
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
        if (s.matches("\\d+")) { // any run of digits is a count: "1000" was taken as the IPv4 number 0.0.3.232
            if (s.length() > 3 || Integer.parseInt(s) > MAX) {
                throw new IllegalArgumentException("--local-addrs: at most " + MAX + " addresses");
            }
            int n = Integer.parseInt(s);
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
        // dotted quads, or IPv6 with at least one colon: a bare number is not an address here
        if (!literal.matches("\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:]{1,38}")) {
            throw new IllegalArgumentException("--local-addrs: not an IP address literal: " + literal);
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--local-addrs: not an IP address: " + literal);
        }
        if (!isLocal(a)) { // else every device failed connect:io (cannot assign requested address) one by one
            throw new IllegalArgumentException("--local-addrs: " + literal + " is not an address of this host");
        }
        return a;
    }

    /** Loopback (all of 127/8 binds on Linux) or an address of one of this host's interfaces. */
    private static boolean isLocal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return true; // cannot tell: let the connects say
        }
    }
}
