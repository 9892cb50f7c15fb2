package io.edgeauth.broker.http;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /admin/revocations} (behind the admin check): revoke a token, subject or key, lift a subject block, and
 * list or look up the revocations in force, the broker's own (a withdrawn fleet CA, an outside issuer no longer
 * trusted) among them. Every change writes an audit event.
 */
final class RevocationApi {
    /** What an operator's revocation holds: one of the kinds operators name, and why. */
    private static final List<String> FIELDS = List.of("jti", "sub", "kid", "reason");

    private final RevocationService revocations;
    private final AuditLog audit;

    RevocationApi(RevocationService revocations, AuditLog audit) {
        this.revocations = revocations;
        this.audit = audit;
    }

    void mount(Router router) {
        router.post("/admin/revocations").handler(this::revoke);
        router.get("/admin/revocations").handler(this::list);
        router.get("/admin/revocations/:kind/:value").handler(this::get);
        router.delete("/admin/revocations/:kind/:value").handler(this::lift);
    }

    private void revoke(RoutingContext ctx) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null || !JsonBodies.onlyFields(ctx, body, FIELDS, "a revocation")) {
            return;
        }
        Revocation.Kind kind = null;
        String value = null;
        int given = 0;
        for (Revocation.Kind k : Revocation.Kind.values()) {
            if (!k.byOperator()) {
                continue; // the broker's own (trusted issuers), not named by operators
            }
            Object v = body.getValue(name(k));
            if (v != null) {
                given++;
                kind = k;
                value = v instanceof String s ? s : null;
            }
        }
        if (given != 1 || value == null || value.isEmpty() || value.length() > 512) {
            HttpErrors.send(ctx, 400, "invalid_request", "exactly one of jti, sub or kid (a non-empty string) is required");
            return;
        }
        if (value.equals(".") || value.equals("..")) { // a dot segment: /admin/revocations/sub/.. is normalised away
            HttpErrors.send(ctx, 400, "invalid_request", "'" + value + "' cannot be addressed as"
                    + " /admin/revocations/<kind>/<value> (a dot segment), so it could never be read or lifted");
            return;
        }
        Object givenReason = body.getValue("reason", "");
        if (!(givenReason instanceof String reason)) {
            HttpErrors.send(ctx, 400, "invalid_request", "reason: expected a string");
            return;
        }
        String shortReason = reason.length() > 200 ? reason.substring(0, 200) : reason;
        // an operator's subject revocation also stops issuance until lifted (docs/revocation.md)
        Revocation.Kind k = kind;
        String v = value;
        Revocation r = unlessUnknown(ctx, "revocation.created", Map.of("kind", kind.name(), "value", value, "reason",
                shortReason), () -> k == Revocation.Kind.SUB ? revocations.revokeSubjectUntilLifted(v, shortReason)
                : revocations.revoke(k, v, shortReason));
        AdminAudit.of(ctx, audit).record("revocation.created", "ok", Map.of("kind", kind.name(), "value", value, "reason", r.reason()));
        // what a GET of it answers, plus revokedAt (the same instant as issuedUpTo for an operator's revocation),
        // which the answer had alone before 2026-12-06 and revocation.md documents
        HttpErrors.json(ctx, 201, toJson(r).put("revokedAt", r.issuedBefore().toString()));
    }

    /** {@code DELETE /admin/revocations/sub/{value}}: lifts a subject block (token and key revocations stay). */
    private void lift(RoutingContext ctx) {
        if (!"sub".equals(ctx.pathParam("kind"))) {
            HttpErrors.send(ctx, 400, "invalid_request",
                    "only a subject revocation can be lifted; token and key revocations end on their own");
            return;
        }
        String subject = ctx.pathParam("value");
        unlessUnknown(ctx, "revocation.lifted", Map.of("kind", "SUB", "value", subject),
                () -> revocations.lift(subject)).ifPresentOrElse(r -> {
            AdminAudit.of(ctx, audit).record("revocation.lifted", "ok", Map.of("kind", "SUB", "value", subject,
                    "revokedAt", r.issuedBefore().toString()));
            ctx.response().setStatusCode(204).end();
        }, () -> HttpErrors.send(ctx, 404, "not_found", "no subject revocation in force for that subject"));
    }

    /**
     * Runs a write; when the store timed out on it (503 to the caller) it may still take effect once the store answers
     * (a stalled Redis runs what it received), so that is audited with outcome {@code unknown} before the refusal:
     * the trail then names every revocation or lift that can be in force. Retrying either is idempotent.
     */
    private <T> T unlessUnknown(RoutingContext ctx, String event, Map<String, String> details, Supplier<T> write) {
        try {
            return write.get();
        } catch (RuntimeException e) {
            if (StoreUnavailableException.outcomeUnknown(e)) {
                Map<String, String> fields = new HashMap<>(details);
                fields.put("detail", "the store timed out: refused with 503, but it may take effect when the store"
                        + " answers; read it back before acting on it");
                AdminAudit.of(ctx, audit).record(event, "unknown", fields);
            }
            throw e;
        }
    }

    /** {@code GET /admin/revocations/{kind}/{value}}: the revocation in force, or 404. */
    private void get(RoutingContext ctx) {
        Revocation.Kind kind = kind(ctx, ctx.pathParam("kind"));
        if (kind == null) {
            return;
        }
        revocations.inForce(kind, ctx.pathParam("value")).ifPresentOrElse(
                r -> HttpErrors.json(ctx, 200, toJson(r)),
                () -> HttpErrors.send(ctx, 404, "not_found", "no " + name(kind) + " revocation in force for that value"));
    }

    /**
     * {@code GET /admin/revocations[?kind=K][&after=CURSOR][&limit=N]}: the revocations in force by kind, then value,
     * a page at a time; {@code next} is the cursor of the following page, absent on the last.
     */
    private void list(RoutingContext ctx) {
        Revocation.Kind only = null;
        String kindParam = ctx.queryParams().get("kind");
        if (kindParam != null && (only = kind(ctx, kindParam)) == null) {
            return;
        }
        int limit = AdminPages.limit(ctx);
        if (limit < 0) {
            return;
        }
        Revocation.Kind fromKind = only;
        String afterValue = null;
        String after = ctx.queryParams().get("after");
        if (after != null) {
            int colon = after.indexOf(':');
            Revocation.Kind cursorKind = colon < 0 ? null : kind(ctx, after.substring(0, colon));
            if (cursorKind == null) {
                if (colon < 0) {
                    HttpErrors.send(ctx, 400, "invalid_request", AdminPages.BAD_CURSOR);
                }
                return;
            }
            if (only != null && cursorKind != only) {
                HttpErrors.send(ctx, 400, "invalid_request", "after: a cursor of another kind than kind=" + kindParam);
                return;
            }
            fromKind = cursorKind;
            afterValue = after.substring(colon + 1);
        }
        JsonArray page = new JsonArray();
        Revocation last = null;
        boolean more = false;
        for (Revocation.Kind k : Revocation.Kind.values()) {
            if (only != null && k != only || fromKind != null && k.ordinal() < fromKind.ordinal()) {
                continue;
            }
            String from = k == fromKind ? afterValue : null;
            // one more than the page holds says whether a next page exists
            List<Revocation> found = revocations.inForce(k, from, limit - page.size() + 1);
            for (Revocation r : found) {
                if (page.size() == limit) {
                    more = true;
                    break;
                }
                page.add(toJson(r));
                last = r;
            }
            if (more || page.size() == limit) {
                more = more || hasLaterKind(k, only);
                break;
            }
        }
        JsonObject answer = new JsonObject().put("revocations", page);
        if (more && last != null) {
            answer.put("next", name(last.kind()) + ":" + last.value());
        }
        HttpErrors.json(ctx, 200, answer);
    }

    /** Whether a kind after {@code k} may still hold revocations the listing has not reached (a cheap upper bound). */
    private boolean hasLaterKind(Revocation.Kind k, Revocation.Kind only) {
        if (only != null) {
            return false;
        }
        for (Revocation.Kind later : Revocation.Kind.values()) {
            if (later.ordinal() > k.ordinal() && !revocations.inForce(later, null, 1).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The kind a path or query names, or null after a 400. */
    private static Revocation.Kind kind(RoutingContext ctx, String given) {
        for (Revocation.Kind k : Revocation.Kind.values()) {
            if (name(k).equals(given)) {
                return k;
            }
        }
        HttpErrors.send(ctx, 400, "invalid_request", "kind: expected one of jti, sub, kid, issuer, issuer_key, fleet_ca");
        return null;
    }

    static String name(Revocation.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@code issuedUpTo}: the tokens issued up to it are covered. For an operator's kinds that is when it was made; for
     * the broker's own (a withdrawn fleet CA, an outside issuer) the clock leeway later, which covers a token another
     * node issued before the change reached it (shown as "revokedAt", it read as a time in the future).
     */
    private static JsonObject toJson(Revocation r) {
        JsonObject o = new JsonObject().put("kind", name(r.kind())).put("value", r.value())
                .put("issuedUpTo", r.issuedBefore().toString()).put("reason", r.reason());
        return r.untilLifted() ? o.put("untilLifted", true) : o.put("keepUntil", r.keepUntil().toString());
    }
}
