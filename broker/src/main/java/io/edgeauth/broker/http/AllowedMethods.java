package io.edgeauth.broker.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The methods the router serves a path with, for the {@code Allow} header a 405 must carry (RFC 9110 §15.5.6). Vert.x
 * Web answers 405 when a path matched with another method but does not tell which methods matched, so the routes'
 * paths are matched here again ({@code :param} stands for one segment; a streaming route is named by its path). GET
 * brings HEAD, which {@link HttpApi} serves as GET without the body (RFC 9110 §9.3.2).
 */
final class AllowedMethods {
    private record Entry(Pattern path, Set<HttpMethod> methods) { }

    private final List<Entry> entries = new ArrayList<>();

    AllowedMethods(Router router) {
        for (Route r : router.getRoutes()) {
            String path = r.isRegexPath() ? r.getName() : r.getPath();
            if (path == null || !path.startsWith("/") || r.methods() == null || r.methods().isEmpty()) {
                continue; // the handlers every request passes (metrics, framing, bodies): no method of their own
            }
            StringBuilder regex = new StringBuilder();
            for (String segment : path.split("/", -1)) {
                if (!regex.isEmpty() || !segment.isEmpty()) {
                    regex.append('/');
                }
                regex.append(segment.startsWith(":") ? "[^/]+" : Pattern.quote(segment));
            }
            entries.add(new Entry(Pattern.compile(regex + "/?"), Set.copyOf(r.methods())));
        }
    }

    /** The {@code Allow} value for {@code path}: its methods, comma-separated, in a stable order. */
    String allow(String path) {
        Set<String> methods = new TreeSet<>();
        for (Entry e : entries) {
            if (e.path().matcher(path).matches()) {
                e.methods().forEach(m -> methods.add(m.name()));
            }
        }
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        return String.join(", ", methods);
    }
}
