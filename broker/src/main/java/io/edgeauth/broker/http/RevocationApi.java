package io.edgeauth.broker.http;

import io.edgeauth.broker.admin.KeyOwners;
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
    private static final List<String> FIELDS = List.of("jti", "sub", "kid", "iss", "reason");
    /** The parameters of {@code GET /admin/revocations}. */
    private static final List<String> LIST_PARAMS = List.of("kind", "limit", "after");

    private final RevocationService revocations;
    private final KeyOwners keyOwners;
    private final AuditLog audit;

    RevocationApi(RevocationService revocations, KeyOwners keyOwners, AuditLog audit) {
        this.revocations = revocations;
        this.keyOwners = keyOwners;
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
        Object iss = body.getValue("iss");
        if (iss != null && kind != Revocation.Kind.KID) {
            HttpErrors.send(ctx, 400, "invalid_request", "iss: only with kid (the issuer whose key it is)");
            return;
        }
        String issuer = kind == Revocation.Kind.KID ? keyIssuer(ctx, iss, value) : null;
        if (kind == Revocation.Kind.KID && issuer == null) {
            return;
        }
        // an operator's subject revocation also stops issuance until lifted, and so does one of an outside issuer's
        // key, which the broker cannot retire (docs/revocation.md)
        Revocation.Kind k = kind;
        String v = kind == Revocation.Kind.SUB ? subject(value) : value;
        String stored = issuer == null ? v : Revocation.issuerKey(issuer, value);
        Revocation r = unlessUnknown(ctx, "revocation.created", Map.of("kind", kind.name(), "value", stored, "reason",
                shortReason), () -> switch (k) {
                    case SUB -> revocations.revokeSubjectUntilLifted(v, shortReason);
                    case KID -> revocations.revokeKey(issuer, v, shortReason, keyOwners.outside(issuer));
                    default -> revocations.revoke(k, v, shortReason);
                });
        AdminAudit.of(ctx, audit).record("revocation.created", "ok", Map.of("kind", kind.name(), "value", stored,
                "reason", r.reason()));
        // what a GET of it answers, plus revokedAt (the same instant as issuedUpTo for an operator's revocation),
        // which the answer had alone before 2026-12-06 and revocation.md documents
        HttpErrors.json(ctx, 201, toJson(r).put("revokedAt", r.issuedBefore().toString()));
    }

    /**
     * The issuer of the key an operator revokes by {@code kid}, or null after a 400: the one named ({@code iss}: one of
     * the broker's tenant issuers or a trusted outside issuer), else the broker's own tenant whose keys hold the kid.
     */
    private String keyIssuer(RoutingContext ctx, Object iss, String kid) {
        if (iss != null) {
            if (iss instanceof String named && (keyOwners.own(named) || keyOwners.outside(named))) {
                return named;
            }
            HttpErrors.send(ctx, 400, "invalid_request", "iss: expected a tenant issuer of this broker or a trusted"
                    + " issuer (tokens.trustedIssuers), as tokens name it");
            return null;
        }
        List<String> own = keyOwners.ownIssuersOf(kid);
        if (own.size() == 1) {
            return own.get(0);
        }
        HttpErrors.send(ctx, 400, "invalid_request", own.isEmpty()
                ? "kid: no key of this broker has that kid; to revoke a trusted issuer's key, name the issuer in iss"
                : "kid: several tenants' keys have that kid; name the tenant's issuer in iss");
        return null;
    }

    /**
     * {@code DELETE /admin/revocations/sub/{value}}: lifts a subject block; {@code DELETE /admin/revocations/kid/{kid}
     * ?iss=...} (or {@code kid/{value}} as listed) a trusted issuer's key revocation. Token revocations, and those of
     * the broker's own keys, end on their own.
     */
    private void lift(RoutingContext ctx) {
        Revocation.Kind kind = switch (ctx.pathParam("kind")) {
            case "sub" -> Revocation.Kind.SUB;
            case "kid" -> Revocation.Kind.KID;
            default -> null;
        };
        if (kind == null) {
            HttpErrors.send(ctx, 400, "invalid_request", "only a subject or a trusted issuer's key revocation can be"
                    + " lifted; token revocations and those of the broker's own keys end on their own");
            return;
        }
        String value = value(ctx, kind);
        String asWritten = ctx.pathParam("value");
        // a lower-case wallet DID an older build stored as written (it never matched a session) can still be lifted
        unlessUnknown(ctx, "revocation.lifted", Map.of("kind", kind.name(), "value", value),
                () -> revocations.lift(kind, value).or(() -> kind == Revocation.Kind.SUB && !asWritten.equals(value)
                        ? revocations.lift(kind, asWritten) : java.util.Optional.empty())).ifPresentOrElse(r -> {
            AdminAudit.of(ctx, audit).record("revocation.lifted", "ok", Map.of("kind", kind.name(), "value", value,
                    "revokedAt", r.issuedBefore().toString()));
            ctx.response().setStatusCode(204).end();
        }, () -> HttpErrors.send(ctx, 404, "not_found", "no " + name(kind) + " revocation in force that holds until"
                + " lifted for that value"));
    }

    /**
     * The value a path names: for a key, {@code kid/{kid}?iss={issuer}} or the stored value {@code kid/{value}}; for a
     * subject, a wallet DID in its checksummed form ({@link #subject}).
     */
    private static String value(RoutingContext ctx, Revocation.Kind kind) {
        String iss = kind == Revocation.Kind.KID ? ctx.queryParams().get("iss") : null;
        if (kind == Revocation.Kind.SUB) {
            return subject(ctx.pathParam("value"));
        }
        return iss == null ? ctx.pathParam("value") : Revocation.issuerKey(iss, ctx.pathParam("value"));
    }

    /**
     * A wallet DID with its address in EIP-55 form, as sessions name the wallet ({@code sub}) and the registry its
     * devices' owners; any other subject as given. Revocations match {@code sub} exactly, so a DID written in lower
     * case (as explorers print addresses) was stored, answered 201 and revoked nothing.
     */
    static String subject(String value) {
        return io.edgeauth.broker.registry.DeviceValidator.isWalletDid(value)
                ? io.edgeauth.broker.registry.DeviceValidator.normalizeOwner(value) : value;
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
        revocations.inForce(kind, value(ctx, kind)).ifPresentOrElse(
                r -> HttpErrors.json(ctx, 200, toJson(r)),
                () -> HttpErrors.send(ctx, 404, "not_found", "no " + name(kind) + " revocation in force for that value"));
    }

    /**
     * {@code GET /admin/revocations[?kind=K][&after=CURSOR][&limit=N]}: the revocations in force by kind, then value,
     * a page at a time; {@code next} is the cursor of the following page, absent on the last.
     */
    private void list(RoutingContext ctx) {
        if (!AdminPages.onlyParams(ctx, LIST_PARAMS)) { // a misspelt kind filter must not list every kind
            return;
        }
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
        if (r.kind() == Revocation.Kind.KID) { // iss and kid apart; a record without an issuer names no iss
            Revocation.issuerAndKid(r.value()).ifPresent(p -> o.put("iss", p.get(0)).put("kid", p.get(1)));
        }
        return r.untilLifted() ? o.put("untilLifted", true) : o.put("keepUntil", r.keepUntil().toString());
    }
}
