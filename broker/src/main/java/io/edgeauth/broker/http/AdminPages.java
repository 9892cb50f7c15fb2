package io.edgeauth.broker.http;

import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The paging parameters the admin listings share ({@code GET /admin/revocations}, {@code GET /admin/devices}):
 * {@code limit} 1 to {@link #MAX_PAGE} records a page ({@link #DEFAULT_PAGE} when not given), {@code after} the
 * previous page's {@code next}. Each method answers the 400 itself and says so by its result.
 */
final class AdminPages {
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1_000;
    static final String BAD_CURSOR = "after: expected the next cursor of a previous page";

    private AdminPages() {
    }

    /** The page size asked for, or -1 after a 400; digits only ({@code +5}, {@code 1e2}, {@code 5.0} are no size). */
    static int limit(RoutingContext ctx) {
        String given = ctx.queryParams().get("limit");
        if (given == null) {
            return DEFAULT_PAGE;
        }
        if (given.length() <= 4 && !given.isEmpty() && given.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int n = Integer.parseInt(given);
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        }
        HttpErrors.send(ctx, 400, "invalid_request", "limit: expected 1 to " + MAX_PAGE);
        return -1;
    }

    /**
     * True if the query holds only {@code known} parameters; else false after a 400. A misspelt filter
     * ({@code tenat=acme}) must not list every tenant's records: every admin listing asks it (devices, services,
     * revocations, fleet CAs; tour AD, AD3). (A parameter given twice is refused for every admin
     * request before this, in {@code AdminApi}.)
     */
    static boolean onlyParams(RoutingContext ctx, List<String> known) {
        for (String name : ctx.queryParams().names()) {
            if (!known.contains(name)) {
                HttpErrors.send(ctx, 400, "invalid_request", "unknown parameter '"
                        + io.edgeauth.broker.refusal.ClientText.cut(name, 64) + "' ("
                        + (known.isEmpty() ? "this listing has none" : "expected " + String.join(", ", known)) + ")");
                return false;
            }
        }
        return true;
    }
}
