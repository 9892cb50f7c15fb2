package io.edgeauth.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Two listeners of one transport on the same port and an overlapping host are refused, naming both keys. Not all
 * such pairs fail at bind: Vert.x shares one socket between the HTTP and HTTPS servers (half the connections then
 * failed TLS), and Californium only logs a CoAP endpoint it cannot bind.
 */
final class PortClashCheck {
    /** Hosts that bind every local address, so they overlap any other host. */
    private static final Set<String> ANY = Set.of("0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0");

    private record Listener(String key, String host, int port, boolean udp) {
    }

    private PortClashCheck() {
    }

    static void check(List<String> errors, BrokerConfig c) {
        List<Listener> all = new ArrayList<>();
        add(all, "http.port", c.http().host(), c.http().port(), false);
        add(all, "http.tls.port", c.http().host(), c.http().tls().port(), false);
        add(all, "mqtt.port", c.mqtt().host(), c.mqtt().port(), false);
        add(all, "mqtt.tlsPort", c.mqtt().host(), c.mqtt().tlsPort(), false);
        add(all, "mqtt.websocketPort", c.mqtt().host(), c.mqtt().websocketPort(), false);
        add(all, "coap.port", c.coap().host(), c.coap().port(), true);
        add(all, "coap.dtlsPort", c.coap().host(), c.coap().dtlsPort(), true);
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < i; j++) {
                Listener a = all.get(j);
                Listener b = all.get(i);
                if (a.port() == b.port() && a.udp() == b.udp() && overlap(a.host(), b.host())) {
                    errors.add(b.key() + ": " + b.port() + " is also " + a.key() + " (" + (b.udp() ? "UDP" : "TCP")
                            + " on " + b.host() + (a.host().equals(b.host()) ? "" : " and " + a.host())
                            + "): give each listener its own port, or -1 to turn one off");
                }
            }
        }
    }

    /** Only listeners that bind a fixed port: -1 is off, 0 lets the system pick a free one. */
    private static void add(List<Listener> all, String key, String host, int port, boolean udp) {
        if (port > 0 && port <= 65535 && host != null) {
            all.add(new Listener(key, host.trim().toLowerCase(Locale.ROOT), port, udp));
        }
    }

    private static boolean overlap(String a, String b) {
        return a.equals(b) || ANY.contains(a) || ANY.contains(b);
    }
}
