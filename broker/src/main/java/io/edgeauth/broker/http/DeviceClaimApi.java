package io.edgeauth.broker.http;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.wallet.ClaimCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Device ownership for wallets: {@code POST /admin/devices/{id}/claim-code} (admin) issues a one-time
 * claim code; {@code POST /devices/claim} {@code {deviceId, claimCode}} with a wallet's bearer token
 * makes that wallet the device's owner (its tokens then carry {@code owner}; the owner's MQTT
 * sessions get {@code d/{id}/up/#} and {@code d/{id}/down/#} from the registry at their next
 * connect); {@code GET /me/devices} lists the caller's devices. An unknown device, a device of
 * another tenant and a wrong, spent or expired code all get the same {@code invalid_grant}, so a
 * wallet cannot probe which device ids exist.
 */
final class DeviceClaimApi {
    static final Duration DEFAULT_CODE_LIFETIME = Duration.ofHours(24);
    static final Duration MAX_CODE_LIFETIME = Duration.ofDays(7);
    private static final String GENERIC_REFUSAL = "claim code is invalid, expired or already used for this device";

    private final AdminCredential admin;
    private final DeviceRegistry registry;
    private final ClaimCodes codes;
    private final WalletBearer wallets;
    private final AuditLog audit;

    DeviceClaimApi(AdminCredential admin, DeviceRegistry registry, ClaimCodes codes, WalletBearer wallets,
                   AuditLog audit) {
        this.admin = admin;
        this.registry = registry;
        this.codes = codes;
        this.wallets = wallets;
        this.audit = audit;
    }

    void mount(Router router) {
        router.post("/admin/devices/:id/claim-code").handler(this::issue);
        router.post("/devices/claim").handler(this::claim);
        router.get("/me/devices").handler(this::owned);
    }

    private void issue(RoutingContext ctx) {
        // the /admin/* guard normally runs first; checked again so this route never depends on mount order
        if (!admin.matches(BearerTokens.bearer(ctx))) {
            HttpErrors.send(ctx, 401, "invalid_token", "admin API needs the admin bearer credential");
            return;
        }
        JsonObject body = JsonBodies.optional(ctx);
        if (body == null || !JsonBodies.onlyFields(ctx, body, java.util.List.of("ttlSeconds"), "a claim code request")) {
            return;
        }
        Duration lifetime = DEFAULT_CODE_LIFETIME;
        if (body.getValue("ttlSeconds") != null) {
            Long n = JsonBodies.wholeNumber(body.getValue("ttlSeconds"));
            if (n == null || n < 60 || n > MAX_CODE_LIFETIME.toSeconds()) {
                HttpErrors.send(ctx, 400, "invalid_request", "ttlSeconds: expected whole seconds, 60 to "
                        + MAX_CODE_LIFETIME.toSeconds() + " (no fraction or exponent)");
                return;
            }
            lifetime = Duration.ofSeconds(n);
        }
        String id = ctx.pathParam("id");
        Device device = registry.find(id).orElse(null);
        if (device == null) {
            HttpErrors.send(ctx, 404, "not_found", "no such device");
            return;
        }
        ClaimCodes.Issued issued = codes.issue(id, record(device), lifetime);
        AdminAudit.of(ctx, audit).record("device.claim_code_issued", "ok", Map.of("device", id, "expiresAt", issued.expiresAt().toString()));
        HttpErrors.json(ctx, 201, new JsonObject().put("deviceId", id).put("claimCode", issued.code())
                .put("expiresAt", issued.expiresAt().toString()));
    }

    private void claim(RoutingContext ctx) {
        WalletBearer.Caller caller = wallets.require(ctx, "claiming a device");
        if (caller == null) {
            return;
        }
        JsonObject body = JsonBodies.required(ctx);
        if (body == null || !JsonBodies.onlyFields(ctx, body, java.util.List.of("deviceId", "claimCode"), "a claim")) {
            return;
        }
        if (!(body.getValue("deviceId") instanceof String deviceId) || deviceId.isEmpty() || deviceId.length() > 128
                || !(body.getValue("claimCode") instanceof String code) || code.isEmpty() || code.length() > 64) {
            HttpErrors.send(ctx, 400, "invalid_request", "body must be {\"deviceId\": <id>, \"claimCode\": <code>}");
            return;
        }
        String owner = ownerOf(caller);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("device", deviceId);
        fields.put("owner", owner);
        Device found = registry.find(deviceId).filter(d -> d.tenant().equals(caller.tenant())).orElse(null);
        boolean claimable = found != null;
        if (!claimable || !codes.consume(deviceId, record(found), code)) {
            fields.put("detail", claimable ? "bad, spent or expired code" : "unknown device or another tenant");
            audit.record("device.claim_refused", "invalid_grant", fields);
            HttpErrors.send(ctx, 400, "invalid_grant", GENERIC_REFUSAL);
            return;
        }
        Device device = ownedRecord(deviceId, record(found), owner);
        if (device == null) { // deleted (or moved) between the check and the code's consumption, or while claiming
            audit.record("device.claim_refused", "invalid_grant", fields);
            HttpErrors.send(ctx, 400, "invalid_grant", GENERIC_REFUSAL);
            return;
        }
        if (device.owner() != null && !Objects.equals(device.owner(), owner)) {
            fields.put("previousOwner", device.owner());
        }
        audit.record("device.claimed", "ok", fields);
        HttpErrors.json(ctx, 200, new JsonObject().put("deviceId", deviceId).put("owner", owner));
    }

    /**
     * Writes {@code owner} into the device's record, only over the record read (atomically, on every node): a
     * deletion in between is never undone by writing the deleted record back; a replacement (a PUT) is read again
     * and claimed. Returns the record as it was before the claim, or null when the device is gone or is no longer the
     * record the code was issued for ({@link #record}: deleted and registered again, or moved to another tenant).
     */
    private Device ownedRecord(String deviceId, String codeRecord, String owner) {
        for (int attempt = 0; ; attempt++) {
            // the store's record: this node's mirror may lag behind another node's change
            Device device = registry.current(deviceId).orElse(null);
            if (device == null || !record(device).equals(codeRecord)) {
                return null;
            }
            try {
                registry.replaceIfUnchanged(device.withOwner(owner), device).join();
                return device;
            } catch (java.util.concurrent.CompletionException e) {
                if (!(e.getCause() instanceof io.edgeauth.broker.registry.RecordChangedException) || attempt >= 20) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
        }
    }

    private void owned(RoutingContext ctx) {
        WalletBearer.Caller caller = wallets.require(ctx, "listing owned devices");
        if (caller == null) {
            return;
        }
        JsonArray devices = new JsonArray();
        registry.ownedBy(ownerOf(caller)).stream().sorted()
                .map(registry::find)
                .flatMap(java.util.Optional::stream)
                .filter(d -> d.tenant().equals(caller.tenant()))
                .forEach(d -> devices.add(new JsonObject().put("id", d.id()).put("tenant", d.tenant())
                        .put("credential", d.credential().type().name().toLowerCase(java.util.Locale.ROOT))
                        .put("region", new JsonArray(d.region()))
                        .put("createdAt", d.createdAt().toString())));
        HttpErrors.json(ctx, 200, new JsonObject().put("sub", caller.did()).put("devices", devices));
    }

    /**
     * What a claim code is bound to ({@link ClaimCodes}): the device's tenant and creation time, which a replace (PUT,
     * import, a claim) keeps and a new registration of the id after a deletion does not, nor a move to another tenant
     * (whose wallets the code was not meant for).
     */
    private static String record(Device device) {
        return device.tenant() + "\n" + device.createdAt();
    }

    private static final java.util.regex.Pattern DID = java.util.regex.Pattern.compile("did:pkh:eip155:[0-9]{1,12}:0x[0-9a-fA-F]{40}");

    /** The DID as the registry keeps owners (checksummed address). */
    private static String ownerOf(WalletBearer.Caller caller) {
        return DID.matcher(caller.did()).matches() ? DeviceValidator.normalizeOwner(caller.did()) : caller.did();
    }
}
