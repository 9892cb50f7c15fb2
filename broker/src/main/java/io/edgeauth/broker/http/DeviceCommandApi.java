package io.edgeauth.broker.http;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.PrincipalKind;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.MessageSize;
import io.edgeauth.broker.router.PublishResult;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.token.Fingerprints;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One-off device commands over HTTP ({@code {topic, payload | payloadBase64, qos?, expiresIn?}}), published in the device's
 * tenant to {@code d/{id}/down/{topic}}, where the device's MQTT subscription or CoAP Observe receives it like any
 * other command:
 * <ul>
 * <li>{@code POST /admin/devices/{id}/commands}: an operator (behind the admin check of {@link HttpApi#admin});</li>
 * <li>{@code POST /devices/{id}/commands}: a principal with a bearer token, authenticated by the one pipeline
 *     ({@link BearerTokens}): a service client whose grants allow publishing there, or the device's owner. The
 *     message passes the same {@link PublishGate} as an MQTT PUBLISH (topic ACL, then the caller's rate plan), so
 *     HTTP is no way around what the session may do over MQTT.</li>
 * </ul>
 * Answers 202 (published; {@code subscribers} says how many sessions took it), 404 for a device unknown in the
 * caller's tenant. Not retained: a device that is offline, with no persistent session, does not get it; one with
 * {@code expiresIn} (seconds, MQTT 5's Message Expiry Interval) is not delivered once that passed. Audited
 * with the caller and the payload's fingerprint, never its content.
 */
final class DeviceCommandApi {
    static final String ORIGIN = "admin-command";
    private static final String ADMIN = "admin";
    /** The largest command payload: commands are small; bulk data has no place on a device's down topic. */
    static final int MAX_PAYLOAD_BYTES = 16 * 1024;
    /** The largest {@code expiresIn}: MQTT's Four Byte Integer. */
    private static final long MAX_EXPIRES_IN = 0xFFFF_FFFFL;
    private static final List<String> FIELDS = List.of("topic", "payload", "payloadBase64", "qos", "expiresIn");
    /** One to eight levels of letters, digits and {@code _ . -}: no wildcard, no {@code $}, no empty level. */
    private static final Pattern SUB_TOPIC = Pattern.compile("[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_.-]{1,64}){0,7}");

    /** A level of dots only ({@code .}, {@code ..}): meaningless in MQTT, a path trick to anyone reading it as one. */
    private static final Pattern DOTS_ONLY = Pattern.compile("(^|/)\\.+(/|$)");

    private final DeviceRegistry devices;
    private final TopicRouter router;
    private final AuditLog audit;
    private final BearerTokens bearers;
    private final PublishGate gate;
    private final Function<DeviceSession, RateLimiter> limiters;
    private final java.util.function.Predicate<String> knownTenant;

    /**
     * @param bearers  the pipeline's door for bearer callers
     * @param gate     the publish checks every edge applies
     * @param knownTenant whether the config names a tenant (a device of one removed from it gets no command: 409)
     * @param limiters the rate budget of a session (the one its MQTT connections spend)
     */
    DeviceCommandApi(DeviceRegistry devices, TopicRouter router, AuditLog audit, BearerTokens bearers, PublishGate gate,
                     java.util.function.Predicate<String> knownTenant, Function<DeviceSession, RateLimiter> limiters) {
        this.knownTenant = knownTenant;
        this.devices = devices;
        this.router = router;
        this.audit = audit;
        this.bearers = bearers;
        this.gate = gate;
        this.limiters = limiters;
    }

    void mount(Router r) {
        r.post("/admin/devices/:id/commands").handler(ctx -> send(ctx, null));
        r.post("/devices/:id/commands").handler(this::sendAsCaller);
    }

    private void sendAsCaller(RoutingContext ctx) {
        DeviceSession caller;
        try {
            caller = bearers.caller(ctx).session();
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.BEARER);
            return;
        }
        send(ctx, caller);
    }

    /** Sends the command as {@code caller}'s session, or as the operator when it is null. */
    private void send(RoutingContext ctx, DeviceSession caller) {
        JsonObject body = JsonBodies.required(ctx);
        if (body == null) {
            return;
        }
        Command command;
        try {
            command = parse(body);
        } catch (IllegalArgumentException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
            return;
        }
        Device device = devices.find(ctx.pathParam("id")).filter(d -> caller == null || d.tenant().equals(caller.tenant())
                && (caller.kind() != PrincipalKind.WALLET || caller.ownedDevices().contains(d.id()))).orElse(null);
        // another tenant's device is unknown here, not forbidden: its existence is not told; nor is a device a wallet
        // does not own (anyone can make a wallet: 403 against 404 told which ids exist, as /devices/claim does not)
        if (device == null) {
            HttpErrors.send(ctx, 404, "not_found", "no such device");
            return;
        }
        if (!knownTenant.test(device.tenant())) { // no session of it can be live: its tokens do not verify
            HttpErrors.send(ctx, 409, "conflict", "tenant '" + device.tenant() + "' is not configured; the device"
                    + " gets no token and no command until it is configured again");
            return;
        }
        String topic = "d/" + device.id() + "/down/" + command.subTopic();
        MessageAttributes attributes = MessageAttributes.of(router.clock().millis(), command.expiresIn(), null, null,
                null, null);
        if (caller != null) {
            RateLimiter limiter = limiters.apply(caller);
            PublishGate.Refusal refusal = gate.check(caller.topicAcl(), limiter, caller.token().geo(),
                    topic, MessageSize.forwarded(topic, command.payload(), List.of(), attributes), null);
            if (refusal != null) { // over the plan: Retry-After from the budget, as CoAP's Max-Age
                HttpRefusals.send(ctx, new TokenRejectedException(refusal.reason(), refusal.detail()).retryAfter(
                        refusal.reason() == RejectionReason.RATE_LIMITED ? limiter.secondsUntilAvailable() : 0),
                        HttpRefusals.Where.RESOURCE);
                return;
            }
        }
        PublishResult result = router.publish(new RoutedMessage(device.tenant(), topic, command.payload(),
                command.qos(), false, List.of(), caller == null ? ORIGIN : caller.principal(), attributes));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("by", caller == null ? ADMIN : caller.principal());
        fields.put("device", device.id());
        fields.put("tenant", device.tenant());
        fields.put("topic", topic);
        fields.put("qos", command.qos());
        fields.put("bytes", command.payload().length);
        if (command.expiresIn() != null) {
            fields.put("expiresIn", Integer.toUnsignedLong(command.expiresIn()));
        }
        fields.put("payload", Fingerprints.of(command.payload()));
        fields.put("subscribers", result.accepted());
        AdminAudit.of(ctx, audit).record("device.command", "ok", fields);
        HttpErrors.json(ctx, 202, new JsonObject().put("topic", topic).put("qos", command.qos())
                .put("subscribers", result.accepted()));
    }

    /** @param expiresIn the Message Expiry Interval in seconds, or null: never expires */
    private record Command(String subTopic, byte[] payload, int qos, Integer expiresIn) { }

    private static Command parse(JsonObject body) {
        for (String field : body.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(JsonBodies.unknownField(field, FIELDS, "a command"));
            }
        }
        if (!(body.getValue("topic") instanceof String sub) || !SUB_TOPIC.matcher(sub).matches()
                || DOTS_ONLY.matcher(sub).find()) {
            throw new IllegalArgumentException("topic: the command's level(s) below d/{id}/down/, 1 to 8 levels of"
                    + " A-Z a-z 0-9 _ . - (no wildcards, no $, no empty or dots-only level)");
        }
        Object text = body.getValue("payload");
        Object base64 = body.getValue("payloadBase64");
        if ((text == null) == (base64 == null) || text != null && !(text instanceof String)
                || base64 != null && !(base64 instanceof String)) {
            throw new IllegalArgumentException("exactly one of payload (a UTF-8 string) or payloadBase64 is required");
        }
        byte[] payload;
        try {
            payload = text != null ? ((String) text).getBytes(StandardCharsets.UTF_8)
                    : Base64.getDecoder().decode((String) base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("payloadBase64: not standard base64");
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("payload: larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
        Object q = body.getValue("qos", 1);
        if (!(q instanceof Integer qos) || qos < 0 || qos > 1) {
            throw new IllegalArgumentException("qos: 0 or 1 (deliveries are capped at QoS 1)");
        }
        Object expiry = body.getValue("expiresIn");
        Long seconds = JsonBodies.wholeNumber(expiry);
        if (expiry != null && (seconds == null || seconds < 1 || seconds > MAX_EXPIRES_IN)) {
            throw new IllegalArgumentException("expiresIn: whole seconds, 1 to " + MAX_EXPIRES_IN
                    + " (MQTT's Message Expiry Interval; no fraction or exponent)");
        }
        return new Command(sub, payload, qos, seconds == null ? null : (int) (long) seconds);
    }
}
