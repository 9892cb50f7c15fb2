package io.edgeauth.broker.http;

import io.edgeauth.broker.tls.TlsMaterial;
import io.edgeauth.broker.tls.TlsMaterialException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import io.edgeauth.broker.audit.AuditLog;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@code POST /admin/tls/reload} (behind the admin check of {@link AdminApi}): reads the TLS listeners' key store,
 * trust store and CRL again (the DTLS listener too). 200 with what each listener serves now; 422 {@code invalid_tls_material} when a file
 * is unusable (that listener keeps its material); 409 when no listener has TLS material.
 */
final class TlsAdminApi {
    static final String PATH = "/admin/tls/reload";

    private final Function<UnaryOperator<AuditLog>, Map<String, TlsMaterial.Summary>> reload;

    /**
     * @param reload reloads every TLS listener, audited through the request's log ({@link AdminAudit}), answering per
     *               listener name; throws as {@link TlsMaterial#reload()}
     */
    TlsAdminApi(Function<UnaryOperator<AuditLog>, Map<String, TlsMaterial.Summary>> reload) {
        this.reload = reload;
    }

    void mount(Router router) {
        router.post(PATH).handler(this::reload);
    }

    private void reload(RoutingContext ctx) {
        // no fields: a body naming a listener or a file would be ignored, and the caller misled about what reloaded
        JsonObject body = JsonBodies.optional(ctx);
        if (body == null || !JsonBodies.onlyFields(ctx, body, java.util.List.of(), "a reload")) {
            return;
        }
        Map<String, TlsMaterial.Summary> done;
        try {
            done = reload.apply(AdminAudit.forRequest(ctx));
        } catch (TlsMaterialException e) {
            HttpErrors.send(ctx, 422, "invalid_tls_material", e.getMessage());
            return;
        } catch (IllegalStateException e) {
            HttpErrors.send(ctx, 409, "conflict", e.getMessage());
            return;
        }
        JsonObject listeners = new JsonObject();
        done.forEach((name, s) -> {
            JsonObject o = new JsonObject().put("trustAnchors", s.trustAnchors()).put("revokedEntries", s.revokedEntries());
            if (s.serverSha256() != null) { // a listener whose server certificate is reloaded too
                o.put("serverSubject", s.serverSubject()).put("serverSerial", s.serverSerial())
                        .put("serverSha256", s.serverSha256()).put("serverNotAfter", s.serverNotAfter().toString());
            }
            if (s.crlNextUpdate() != null) {
                o.put("crlNextUpdate", s.crlNextUpdate().toString());
            }
            listeners.put(name, o);
        });
        HttpErrors.json(ctx, 200, new JsonObject().put("listeners", listeners));
    }
}
