package io.edgeauth.broker.http;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.provisioning.DeviceIdRule;
import io.edgeauth.broker.provisioning.FleetCa;
import io.edgeauth.broker.provisioning.FleetCas;
import io.edgeauth.broker.provisioning.ListedCertificates;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code /admin/fleet-cas}: a tenant trusts a fleet CA ({@code POST {id, tenant?, certificate (PEM),
 * crl? (PEM), deviceIdFrom?, template?}}; a CRL listing the certificate a device was provisioned with ends the
 * tokens that device holds, and the answer says for how many devices), lists them ({@code GET}) and withdraws one
 * ({@code DELETE /admin/fleet-cas/{id}}: its devices get no token from then on, and the tokens they hold, which
 * name the CA in {@code fleet_ca}, are revoked, so their sessions end on every node). Audited.
 */
final class FleetCaApi {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final FleetCas cas;
    private final Set<String> templates;
    private final Predicate<String> knownTenant;
    private final RevocationService revocations;
    private final ListedCertificates listed;
    private final AuditLog audit;

    FleetCaApi(FleetCas cas, Set<String> templates, Predicate<String> knownTenant, RevocationService revocations,
               ListedCertificates listed, AuditLog audit) {
        this.cas = cas;
        this.revocations = revocations;
        this.listed = listed;
        this.templates = Set.copyOf(templates);
        this.knownTenant = knownTenant;
        this.audit = audit;
    }

    void mount(Router router) {
        router.post("/admin/fleet-cas").handler(this::add);
        router.get("/admin/fleet-cas").handler(this::list);
        router.delete("/admin/fleet-cas/:id").handler(this::withdraw);
    }

    private void add(RoutingContext ctx) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null) {
            return;
        }
        FleetCa ca;
        try {
            ca = parse(body);
        } catch (IllegalArgumentException | ClassCastException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
            return;
        }
        FleetCa before = cas.activeCa(ca.id()).orElse(null);
        if (before != null && !before.tenant().equals(ca.tenant())) { // its devices would stay in the old tenant
            HttpErrors.send(ctx, 409, "conflict", "fleet CA '" + ca.id() + "' is trusted by tenant '" + before.tenant()
                    + "'; a replace does not move it: withdraw it (DELETE /admin/fleet-cas/" + ca.id() + ") and add it"
                    + " for tenant '" + ca.tenant() + "' under a new id");
            return;
        }
        try {
            cas.add(ca);
        } catch (IllegalStateException e) {
            HttpErrors.send(ctx, 409, "conflict", e.getMessage());
            return;
        }
        int revoked = listed.revokeNewlyListed(before, ca); // a new CRL: the listed devices' tokens end now
        AdminAudit.of(ctx, audit).record("fleet_ca.added", "ok", Map.of("fleetCa", ca.id(), "tenant", ca.tenant(),
                "subject", ca.certificate().getSubjectX500Principal().getName(), "devicesRevoked", revoked));
        HttpErrors.json(ctx, 201, toJson(ca).put("devicesRevoked", revoked));
    }

    /** The fields of a fleet CA: a misspelt one ({@code deviceIdFom}) must be refused, not replaced by its default. */
    private static final Set<String> FIELDS = Set.of("id", "tenant", "template", "certificate", "crl", "deviceIdFrom");

    private FleetCa parse(JsonObject body) {
        for (String field : body.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown field '"
                        + io.edgeauth.broker.refusal.ClientText.cut(field, 64) + "' (a fleet CA holds id, tenant, template, "
                        + "certificate, crl, deviceIdFrom)");
            }
        }
        String id = body.getString("id");
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id: expected 1-64 of A-Z a-z 0-9 _ . - starting with a letter or digit");
        }
        String tenant = body.getString("tenant", "default");
        if (!knownTenant.test(tenant)) {
            throw new IllegalArgumentException("tenant: unknown tenant");
        }
        String template = body.getString("template", "default");
        if (!templates.contains(template)) {
            throw new IllegalArgumentException("template: expected one of " + templates);
        }
        String pem = body.getString("certificate");
        if (pem == null) {
            throw new IllegalArgumentException("certificate: required, the CA certificate in PEM");
        }
        var certificate = FleetCas.certificate(pem.getBytes(StandardCharsets.US_ASCII));
        List<X509CRL> crls = body.getString("crl") == null ? List.of()
                : FleetCas.crls(body.getString("crl").getBytes(StandardCharsets.US_ASCII));
        return new FleetCa(id, tenant, certificate, crls, DeviceIdRule.parse(body.getString("deviceIdFrom", "subject-cn")),
                template);
    }

    private void list(RoutingContext ctx) {
        if (!AdminPages.onlyParams(ctx, List.of())) { // no filter: ?tenant=acme would list every tenant's CAs
            return;
        }
        JsonArray out = new JsonArray();
        cas.active().forEach(ca -> out.add(toJson(ca)));
        HttpErrors.json(ctx, 200, new JsonObject().put("fleetCas", out));
    }

    private void withdraw(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!cas.withdraw(id)) {
            HttpErrors.send(ctx, 404, "not_found", "no such active fleet CA");
            return;
        }
        // after the withdrawal, so no token of the CA is issued here past the revocation's date
        Revocation revoked = revocations.revokeFleetCa(id, "fleet CA withdrawn");
        AdminAudit.of(ctx, audit).record("fleet_ca.withdrawn", "ok", Map.of("fleetCa", id,
                "tokensRevokedUpTo", revoked.issuedBefore().toString()));
        ctx.response().setStatusCode(204).end();
    }

    private static JsonObject toJson(FleetCa ca) {
        return new JsonObject().put("id", ca.id()).put("tenant", ca.tenant())
                .put("subject", ca.certificate().getSubjectX500Principal().getName())
                .put("notAfter", ca.certificate().getNotAfter().toInstant().toString())
                .put("deviceIdFrom", ca.deviceIdRule().configName()).put("template", ca.template())
                .put("crls", ca.crls().size());
    }
}
