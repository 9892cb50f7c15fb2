package io.edgeauth.broker;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where the CLI may send the admin credential: not in a URL's user-info (it would sit in shell history, {@code ps} and
 * proxy logs), and over plain {@code http:} only to this machine (loopback), unless the operator passes
 * {@code --insecure-http} knowingly; anywhere else the bearer would cross the network in clear. A URL that does not
 * parse is left to the command, which names it. Stateless.
 */
final class AdminUrls {
    static final String INSECURE_HTTP = "--insecure-http";

    private AdminUrls() {
    }

    /** Why the credential must not be sent to {@code url}, or null. The message never repeats the user-info. */
    static String refusal(String url, boolean insecureHttp) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return null;
        }
        if (uri.getRawUserInfo() != null || uri.getHost() == null && uri.getRawAuthority() != null
                && uri.getRawAuthority().contains("@")) {
            return "edgeauth: --url must not carry user-info (user:password@host): the admin credential goes only in"
                    + " the Authorization header (env EDGEAUTH_ADMIN or --admin-credential); remove it from the URL";
        }
        String host = host(uri);
        if (!"http".equalsIgnoreCase(uri.getScheme()) || host == null || insecureHttp || loopback(host)) {
            return null;
        }
        return "edgeauth: --url " + uri.getScheme() + "://" + uri.getRawAuthority()
                + " is plain http to a host that is not this machine: the admin credential would cross the network in"
                + " clear. Use https, or pass " + INSECURE_HTTP + " to send it so knowingly";
    }

    /**
     * The host a client connects to: {@link URI#getHost()}, or for an authority java.net.URI does not read as a server
     * name (an underscore, {@code edge_broker} as Docker Compose names services; a percent escape) the authority
     * without its port, which the Vert.x client of {@code devices import} resolves and connects to all the same
     * (tour AD, AD5: such a URL passed as if it were not http). Null without an authority (no request goes anywhere).
     */
    private static String host(URI uri) {
        if (uri.getHost() != null) {
            return uri.getHost();
        }
        String authority = uri.getRawAuthority();
        if (authority == null) {
            return null;
        }
        int colon = authority.lastIndexOf(':');
        return colon > authority.lastIndexOf(']') ? authority.substring(0, colon) : authority;
    }

    private static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true; // RFC 6761: always this machine
        }
        boolean literal = h.startsWith("[") || h.matches("[0-9.]+");
        if (!literal) {
            return false; // a name is not resolved here: what it resolves to can change before the request
        }
        try {
            return InetAddress.getByName(h.startsWith("[") ? h.substring(1, h.length() - 1) : h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
