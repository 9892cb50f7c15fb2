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
 * id order, a page at a time, as {@code GET /admin/devices/{id}} answers each; {@code next} is the last id of a page
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
        if (tenant != null && !validator.knownTenant(tenant)) {
            HttpErrors.send(ctx, 400, "invalid_request", "tenant: unknown tenant '" + ClientText.cut(tenant, 64) + "'");
            return;
        }
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
        JsonArray devices = new JsonArray();
        page.devices().forEach(d -> devices.add(AdminApi.toJson(d)));
        HttpErrors.json(ctx, 200, new JsonObject().put("devices", devices).put("next", page.next()));
    }
}
