package io.edgeauth.broker.http;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.service.ServiceClient;
import io.edgeauth.broker.service.ServiceRegistry;
import io.edgeauth.broker.service.ServiceValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * {@code /admin/services}: an operator registers a service client ({@code POST {id, tenant?, jwk | jwks,
 * grants}}), lists ({@code GET}, optionally {@code ?tenant=}), reads ({@code GET /admin/services/{id}}) and
 * deletes one ({@code DELETE /admin/services/{id}}: its live sessions and outstanding tokens end at once, as a
 * deleted device's do). A service id is never a device's: registration refuses either collision. Behind the
 * admin check mounted with {@link HttpApi#admin}; every change is audited.
 */
final class ServiceApi {
    private final ServiceRegistry services;
    private final DeviceRegistry devices;
    private final ServiceValidator validator;
    private final RevocationService revocations;
    private final AuditLog audit;

    ServiceApi(ServiceRegistry services, DeviceRegistry devices, ServiceValidator validator,
               RevocationService revocations, AuditLog audit) {
        this.services = services;
        this.devices = devices;
        this.validator = validator;
        this.revocations = revocations;
        this.audit = audit;
    }

    void mount(Router router) {
        router.post("/admin/services").handler(this::register);
        router.get("/admin/services").handler(this::list);
        router.get("/admin/services/:id").handler(this::get);
        router.delete("/admin/services/:id").handler(this::delete);
    }

    private void register(RoutingContext ctx) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null) {
            return;
        }
        ServiceClient service;
        try {
            service = validator.validate(body);
        } catch (IllegalArgumentException | ClassCastException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
            return;
        }
        // the device check again after the write: a device created at the same instant (any node) is seen by one of them
        switch (services.register(service, id -> devices.current(id).isPresent())) {
            case TAKEN_BY_ANOTHER_KIND -> {
                HttpErrors.send(ctx, 409, "conflict", "a device has this id; service and device ids are disjoint");
                return;
            }
            case EXISTS -> {
                HttpErrors.send(ctx, 409, "conflict", "a service with this id exists; delete it first to replace it");
                return;
            }
            default -> { }
        }
        AdminAudit.of(ctx, audit).record("service.registered", "ok", Map.of("service", service.id(), "tenant", service.tenant(),
                "keys", service.keys().getKeys().size(), "grants", String.join(" ",
                        service.grants().stream().map(Object::toString).toList())));
        ctx.response().putHeader("location", "/admin/services/" + service.id()); // RFC 9110 §15.3.2
        HttpErrors.json(ctx, 201, service.toJson());
    }

    private void list(RoutingContext ctx) {
        if (!AdminPages.onlyParams(ctx, java.util.List.of("tenant"))) { // a misspelt filter must not list every tenant's
            return;
        }
        String tenant = ctx.request().getParam("tenant");
        java.util.List<ServiceClient> listed = services.list().stream()
                .filter(s -> tenant == null || s.tenant().equals(tenant)).toList();
        // a tenant the config no longer names is listed while services of it are stored (to delete them: contract.md,
        // removing a tenant); one without any is refused as keys/rotate refuses it, not an empty list (tour AD, AD6)
        if (tenant != null && !validator.knownTenant(tenant) && listed.isEmpty()) {
            HttpErrors.send(ctx, 400, "invalid_request", "unknown tenant '"
                    + io.edgeauth.broker.refusal.ClientText.cut(tenant, 64) + "'");
            return;
        }
        JsonArray out = new JsonArray();
        listed.forEach(s -> out.add(s.toJson()));
        HttpErrors.json(ctx, 200, new JsonObject().put("services", out));
    }

    private void get(RoutingContext ctx) {
        services.find(ctx.pathParam("id")).ifPresentOrElse(
                s -> HttpErrors.json(ctx, 200, s.toJson()),
                () -> HttpErrors.send(ctx, 404, "not_found", "no such service"));
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!services.delete(id)) {
            HttpErrors.send(ctx, 404, "not_found", "no such service");
            return;
        }
        // live sessions and outstanding tokens of the service end now, not at their expiry
        revocations.revoke(Revocation.Kind.SUB, id, "service deleted");
        AdminAudit.of(ctx, audit).record("service.deleted", "ok", Map.of("service", id));
        ctx.response().setStatusCode(204).end();
    }
}
