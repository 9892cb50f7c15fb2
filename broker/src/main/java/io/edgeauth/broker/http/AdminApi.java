package io.edgeauth.broker.http;

import io.edgeauth.broker.admin.KeyOwners;
import io.edgeauth.broker.admin.KeyRotator;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.refusal.ClientText;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.geo.Cover;
import io.edgeauth.geo.CoverOptions;
import io.edgeauth.geo.Covers;
import io.edgeauth.geo.LatLon;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;

/**
 * The admin API under {@code /admin}: device registration, revocations and key rotation, behind the
 * bearer admin credential. Every change writes an audit event.
 */
final class AdminApi {
    private final AdminGuard guard;
    private final DeviceRegistry registry;
    private final DeviceValidator validator;
    private final RevocationService revocations;
    private final KeyRotator keys;
    private final KeyOwners keyOwners;
    private final AuditLog audit;

    AdminApi(AdminGuard guard, DeviceRegistry registry, DeviceValidator validator,
             RevocationService revocations, KeyRotator keys, KeyOwners keyOwners, AuditLog audit) {
        this.guard = guard;
        this.registry = registry;
        this.validator = validator;
        this.revocations = revocations;
        this.keys = keys;
        this.keyOwners = keyOwners == null ? KeyOwners.NONE : keyOwners;
        this.audit = audit;
    }

    void mount(Router router) {
        router.route("/admin/*").handler(this::authorize);
        router.post("/admin/devices").handler(ctx -> register(ctx, false));
        router.get("/admin/devices").handler(new DeviceListingApi(registry, validator)::list);
        router.put("/admin/devices/:id").handler(ctx -> register(ctx, true));
        router.get("/admin/devices/:id").handler(this::get);
        router.delete("/admin/devices/:id").handler(this::delete);
        new RevocationApi(revocations, keyOwners, audit).mount(router);
        router.post("/admin/keys/rotate").handler(this::rotate);
        router.post("/admin/geo/cover").handler(this::cover);
    }

    private void authorize(RoutingContext ctx) {
        if (!guard.require(ctx)) { // answered: 401, or 429 for an address over its wrong-credential bound
            return;
        }
        for (String name : ctx.queryParams().names()) { // one reader's value is not another's, as for form parameters
            if (ctx.queryParams().getAll(name).size() > 1) {
                HttpErrors.send(ctx, 400, "invalid_request", "query parameter '" + ClientText.cut(name, 64)
                        + "' is given more than once");
                return;
            }
        }
        ctx.next();
    }

    private void register(RoutingContext ctx, boolean replace) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null) {
            return;
        }
        if (replace) {
            String path = ctx.pathParam("id");
            Object named = body.getValue("id");
            // a PUT to the wrong URL must not replace the wrong device: the body's id, when given, is the path's
            if (named != null && !path.equals(named)) {
                HttpErrors.send(ctx, 400, "invalid_request", "id: the body names '" + ClientText.cut(String.valueOf(named),
                        64) + "', the path '" + ClientText.cut(path, 64) + "'; a device's id is not changed by a PUT");
                return;
            }
            body.put("id", path);
        }
        if (body.getValue("id") instanceof String id && validator.takenByAnotherKind(id)) { // as a service's side answers
            HttpErrors.send(ctx, 409, "conflict", "a service client has this id; device and service ids are disjoint");
            return;
        }
        Device device;
        try {
            device = validator.validate(body.getMap());
        } catch (IllegalArgumentException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
            return;
        }
        Written written;
        try { // the id's turn with its audit event, as a DELETE and an import line take it
            Device asked = device;
            AuditLog trail = AdminAudit.of(ctx, audit);
            written = registry.turns().run(device.id(), () -> CompletableFuture.completedFuture(write(asked, replace, trail)))
                    .join();
        } catch (IllegalArgumentException e) {
            HttpErrors.send(ctx, 409, "conflict", e.getMessage());
            return;
        }
        if (written.device() == null) {
            HttpErrors.send(ctx, 409, "conflict", "device '" + device.id() + "' exists; PUT /admin/devices/"
                    + device.id() + " replaces it");
            return;
        }
        if (written.created()) { // created, by POST or PUT (RFC 9110 §9.3.4): 201 naming it
            ctx.response().putHeader("location", "/admin/devices/" + device.id());
        }
        HttpErrors.json(ctx, written.created() ? 201 : 200, toJson(written.device()));
    }

    /** The record a POST or PUT wrote (null: a POST found the id taken), and whether it created the device. */
    private record Written(Device device, boolean created) { }

    /** Creates (POST) or replaces (PUT) the device and records its event; IllegalArgumentException: a service's id. */
    private Written write(Device device, boolean replace, AuditLog trail) {
        java.util.Optional<Device> existing = replace
                ? new io.edgeauth.broker.registry.DeviceCreation(registry, validator::takenByAnotherKind).replace(device)
                : created(device);
        if (!replace && existing.isPresent()) {
            return new Written(null, false);
        }
        Device stored = existing.map(device::createdAs).orElse(device); // a replaced record keeps its creation time
        trail.record("device.registered", "ok", Map.of("device", stored.id(), "tenant", stored.tenant(),
                "credential", stored.credential().type().name()));
        return new Written(stored, existing.isEmpty());
    }

    /**
     * Creates the device unless any node has its id (one atomic store write): empty when created, else the record
     * that was there or won a simultaneous create (a zero-touch enrolment, another node's POST), so that of two
     * creators one is answered 201 and the other 409, never both 201 with one record silently replaced.
     */
    private java.util.Optional<Device> created(Device device) {
        io.edgeauth.broker.registry.DeviceCreation.Result r =
                new io.edgeauth.broker.registry.DeviceCreation(registry, validator::takenByAnotherKind).create(device);
        return switch (r.outcome()) {
            case CREATED -> java.util.Optional.empty();
            case EXISTS -> java.util.Optional.of(r.existing());
            case TAKEN_BY_ANOTHER_KIND -> throw new IllegalArgumentException(
                    "id: a service registered '" + device.id() + "' meanwhile; service and device ids are disjoint");
        };
    }

    private void get(RoutingContext ctx) {
        registry.find(ctx.pathParam("id")).ifPresentOrElse(
                d -> HttpErrors.json(ctx, 200, toJson(d)),
                () -> HttpErrors.send(ctx, 404, "not_found", "no such device"));
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        boolean[] deleted = {false};
        // the id's turn, with its audit event: an import line of the id neither lands between the removal and the
        // event nor has its own event recorded after this one (the trail's last event says whether the id exists)
        registry.turns().run(id, () -> {
            if (registry.delete(id)) {
                deleted[0] = true;
                // live sessions and outstanding tokens of the device end now, not at their expiry
                revocations.revoke(Revocation.Kind.SUB, id, "device deleted");
                AdminAudit.of(ctx, audit).record("device.deleted", "ok", Map.of("device", id));
            }
            return CompletableFuture.completedFuture(null);
        });
        if (!deleted[0]) {
            HttpErrors.send(ctx, 404, "not_found", "no such device");
            return;
        }
        ctx.response().setStatusCode(204).end();
    }

    private void rotate(RoutingContext ctx) {
        JsonObject body = JsonBodies.optional(ctx);
        if (body == null || !JsonBodies.onlyFields(ctx, body, List.of("tenant", "use"), "a key rotation")) {
            return;
        }
        Object given = body.getValue("tenant", "default");
        if (!(given instanceof String tenant)) { // not the default tenant's key in its place
            HttpErrors.send(ctx, 400, "invalid_request", "tenant: expected a tenant's name (a string)");
            return;
        }
        Object use = body.getValue("use", "sig");
        if (!"sig".equals(use) && !"enc".equals(use)) {
            HttpErrors.send(ctx, 400, "invalid_request", "use: expected \"sig\" (signing key) or \"enc\" (token encryption)");
            return;
        }
        try {
            String kid = "enc".equals(use) ? keys.rotateEncryption(tenant) : keys.rotate(tenant);
            AdminAudit.of(ctx, audit).record("key.rotated", "ok", Map.of("tenant", tenant, "kid", kid, "use", use));
            HttpErrors.json(ctx, 200, new JsonObject().put("tenant", tenant).put("kid", kid).put("use", use));
        } catch (IllegalArgumentException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
        }
    }

    /** Turns "a circle of r metres around lat,lon" into GeoHash cells for a device's region. */
    private void cover(RoutingContext ctx) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null
                || !JsonBodies.onlyFields(ctx, body, List.of("lat", "lon", "radiusMeters", "maxCells"), "a cover")) {
            return;
        }
        try {
            double lat = number(body, "lat");
            double lon = number(body, "lon");
            double radius = number(body, "radiusMeters");
            Object cells = body.getValue("maxCells", 64);
            int maxCells = cells instanceof Integer n ? n : 0; // a fraction or a string is no cell count
            if (maxCells < 1 || maxCells > 10_000) {
                throw new IllegalArgumentException("maxCells: expected 1 to 10000");
            }
            Cover cover = Covers.circle(new LatLon(lat, lon), radius, CoverOptions.finestWithin(maxCells).merged());
            HttpErrors.json(ctx, 200, CoverAnswer.of(cover));
        } catch (IllegalArgumentException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
        }
    }

    private static double number(JsonObject body, String key) {
        if (!(body.getValue(key) instanceof Number n)) {
            throw new IllegalArgumentException(key + ": required, a number");
        }
        return n.doubleValue();
    }

    static JsonObject toJson(Device d) {
        JsonObject o = new JsonObject().put("id", d.id()).put("tenant", d.tenant());
        switch (d.credential().type()) {
            case JWK: o.put("jwk", new JsonObject(d.credential().value())); break;
            case X5T_S256: o.put("x5tS256", d.credential().value()); break;
            case ENROLLMENT_GROUP: o.put("enrollmentGroup", d.credential().value()); break;
            default: o.put("ethAddress", d.credential().value());
        }
        o.put("region", new JsonArray(d.region()));
        if (d.ratePlan() != null) {
            o.put("ratePlan", d.ratePlan());
        }
        if (d.owner() != null) {
            o.put("owner", d.owner());
        }
        return o.put("createdAt", d.createdAt().toString());
    }
}
