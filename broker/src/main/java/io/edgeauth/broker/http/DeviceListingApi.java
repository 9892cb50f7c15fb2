package io.edgeauth.broker.http;

import io.edgeauth.broker.refusal.ClientText;
import io.edgeauth.broker.registry.DevicePage;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /admin/devices[?tenant=][&owner=][&limit=][&after=]} (behind the admin check): the registered devices in
 * id order, a page at a time (a tenant the config does not name: while the registry holds a device of it), as
 * {@code GET /admin/devices/{id}} answers each; {@code next} is the last id of a page
 * followed by more (null on the last page), the next page starts after it. Keyset paging on the registry's sorted
 * indexes: a record present for a whole walk is listed once, whatever is registered or deleted meanwhile.
 */
final class DeviceListingApi {
    private static final List<String> PARAMS = List.of("tenant", "owner", "limit", "after");

    private final DeviceRegistry registry;
    private final DeviceValidator validator;

    DeviceListingApi(DeviceRegistry registry, DeviceValidator validator) {
        this.registry = registry;
        this.validator = validator;
    }

    void list(RoutingContext ctx) {
        if (!AdminPages.onlyParams(ctx, PARAMS)) {
            return;
        }
        int limit = AdminPages.limit(ctx);
        if (limit < 0) {
            return;
        }
        String tenant = ctx.queryParams().get("tenant");
        String owner = ctx.queryParams().get("owner");
        if (owner != null && !DeviceValidator.isWalletDid(owner)) {
            HttpErrors.send(ctx, 400, "invalid_request", "owner: expected a wallet DID did:pkh:eip155:<chainId>:0x<40 hex>");
            return;
        }
        String after = ctx.queryParams().get("after");
        if (after != null && !DeviceValidator.isWellFormedId(after)) { // every next is a device id
            HttpErrors.send(ctx, 400, "invalid_request", AdminPages.BAD_CURSOR + " (a device id)");
            return;
        }
        DevicePage page = registry.list(tenant, owner == null ? null : DeviceValidator.normalizeOwner(owner), after, limit);
        // a tenant the config no longer names is listed while the registry holds its devices (contract.md: removing a
        // tenant leaves them, to be deleted); one without any, on a walk's first page, is a misspelt name, not an empty
        // list (tour AD, AD6: every tenant not configured was refused, so a removed tenant's devices could not be found)
        if (tenant != null && !validator.knownTenant(tenant) && after == null
                && page.devices().isEmpty() && registry.list(tenant, null, null, 1).devices().isEmpty()) {
            HttpErrors.send(ctx, 400, "invalid_request", "tenant: unknown tenant '" + ClientText.cut(tenant, 64) + "'");
            return;
        }
        JsonArray devices = new JsonArray();
        page.devices().forEach(d -> devices.add(AdminApi.toJson(d)));
        HttpErrors.json(ctx, 200, new JsonObject().put("devices", devices).put("next", page.next()));
    }
}
