package io.edgeauth.broker.audit;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The one format of a source address in audit events ({@code remote}): the numeric host, a colon and the port,
 * an IPv6 host in brackets: {@code 192.0.2.7:48138}, {@code [2001:db8::7]:48138}. No leading slash, no host name
 * (no lookup on a refusal path), always the port (it tells connections from one host apart): an operator filters one
 * address with {@code startswith("192.0.2.7:")} or {@code startswith("[2001:db8::7]:")}. Stateless.
 */
public final class AuditAddress {
    private AuditAddress() {
    }

    /** {@code a} in the audit format; null for null or an unresolved address without one. */
    public static String of(InetSocketAddress a) {
        if (a == null) {
            return null;
        }
        InetAddress address = a.getAddress();
        return of(address == null ? a.getHostString() : address.getHostAddress(), a.getPort());
    }

    /** A numeric host ({@code 10.0.0.1}, {@code ::1}, or bracketed already) and a port in the audit format. */
    public static String of(String host, int port) {
        if (host == null) {
            return null;
        }
        boolean v6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        return v6 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
