package io.edgeauth.broker.http;

import io.edgeauth.broker.net.IpRanges;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The address a request comes from. A connection from one of {@code http.trustedProxies} (reverse proxies in front of
 * the broker) carries its client's address in {@code Forwarded} (RFC 7239) or else {@code X-Forwarded-For}: the client
 * is the nearest hop that is not a trusted proxy, read from the right, since a client can write any hops it likes on
 * the left. Any other connection's headers are ignored: the peer is the client. Audit addresses, refusal bursts and
 * the per-address bounds of wallet logins use it; without it, behind a proxy, every request was the proxy's (tour O,
 * F16). Only IP literals are read (never a name lookup). Immutable, thread-safe.
 */
final class ClientAddresses {
    /** Routing-context key of the client address {@link #handle} resolved for the request. */
    private static final String KEY = "edgeauth.clientAddress";
    /** Hops read from the right at most: a header of a thousand hops costs no more than this. */
    private static final int MAX_HOPS = 16;

    private final IpRanges proxies;

    /** @param trustedProxies IP addresses or CIDR ranges ({@code 10.0.0.0/8}, {@code ::1}), checked by the config */
    ClientAddresses(List<String> trustedProxies) {
        this.proxies = IpRanges.of(trustedProxies);
    }

    boolean trusted(String ip) {
        return proxies.contains(ip);
    }

    /** The client of {@code request} (its peer unless the peer is a trusted proxy that named one). */
    SocketAddress resolve(HttpServerRequest request) {
        SocketAddress peer = request.remoteAddress();
        if (peer == null || !trusted(peer.hostAddress())) {
            return peer;
        }
        List<String> hops = hops(request);
        for (int i = hops.size() - 1; i >= 0 && i >= hops.size() - MAX_HOPS; i--) {
            SocketAddress hop = literal(hops.get(i));
            if (hop == null) {
                return peer; // a hop a trusted proxy did not write: nothing left of it can be believed
            }
            if (!trusted(hop.hostAddress())) {
                return hop;
            }
        }
        return peer;
    }

    /** The route handler that resolves each request's client once. */
    void handle(RoutingContext ctx) {
        SocketAddress client = resolve(ctx.request());
        if (client != null) {
            ctx.put(KEY, client);
        }
        ctx.next();
    }

    /** The request's client address as resolved for it, else its peer's. */
    static SocketAddress of(RoutingContext ctx) {
        SocketAddress resolved = ctx.get(KEY);
        return resolved != null ? resolved : ctx.request().remoteAddress();
    }

    /** {@link #of} as an address to key per-address bounds by (numeric: no name lookup), or null when unknown. */
    static java.net.InetAddress inetOf(RoutingContext ctx) {
        SocketAddress a = of(ctx);
        return a == null || a.hostAddress() == null ? null : NetUtil.createInetAddressFromIpAddressString(a.hostAddress());
    }

    /** The hops, left to right: {@code Forwarded}'s {@code for=} values, or else {@code X-Forwarded-For}'s entries. */
    private static List<String> hops(HttpServerRequest request) {
        List<String> hops = new ArrayList<>();
        List<String> forwarded = request.headers().getAll("forwarded");
        if (!forwarded.isEmpty()) {
            for (String header : forwarded) {
                for (String element : header.split(",")) {
                    String hop = null;
                    for (String pair : element.split(";")) {
                        String p = pair.strip();
                        if (p.regionMatches(true, 0, "for=", 0, 4)) {
                            hop = p.substring(4);
                        }
                    }
                    hops.add(hop == null ? "" : hop);
                }
            }
            return hops;
        }
        for (String header : request.headers().getAll("x-forwarded-for")) {
            for (String hop : header.split(",")) {
                hops.add(hop);
            }
        }
        return hops;
    }

    /** {@code 192.0.2.7}, {@code "[2001:db8::7]:4711"} or {@code 2001:db8::7} as an address; null if not an IP literal. */
    static SocketAddress literal(String hop) {
        String h = hop.strip();
        if (h.length() >= 2 && h.startsWith("\"") && h.endsWith("\"")) {
            h = h.substring(1, h.length() - 1);
        }
        int port = 0;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                return null;
            }
            String rest = h.substring(close + 1);
            port = rest.isEmpty() ? 0 : port(rest);
            h = h.substring(1, close);
        } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') > 0) { // IPv4 with a port
            port = port(h.substring(h.indexOf(':')));
            h = h.substring(0, h.indexOf(':'));
        }
        if (port < 0 || !NetUtil.isValidIpV4Address(h) && !NetUtil.isValidIpV6Address(h)) {
            return null;
        }
        // from an InetSocketAddress, so hostAddress() is the numeric address (Vert.x leaves it null for a host string)
        return SocketAddress.inetSocketAddress(new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(h), port));
    }

    /** {@code :4711} as 4711; -1 for anything else ({@code :_hidden} obfuscated ports included). */
    private static int port(String colonPort) {
        if (!colonPort.startsWith(":") || colonPort.length() < 2 || colonPort.length() > 6) {
            return -1;
        }
        try {
            int p = Integer.parseInt(colonPort.substring(1));
            return p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
