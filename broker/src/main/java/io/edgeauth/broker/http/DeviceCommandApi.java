package io.edgeauth.broker.http;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
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
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code POST /admin/devices/{id}/commands}: an operator sends a registered device a one-off command over HTTP
 * ({@code {topic, payload | payloadBase64, qos?}}); it is published, in the device's tenant, to
 * {@code d/{id}/down/{topic}}, where the device's MQTT subscription or CoAP Observe receives it like any other
 * command. Answers 202 (published; {@code subscribers} says how many sessions took it), 404 for an unknown
 * device. Not retained: a device that is offline, with no persistent session, does not get it. Behind the admin
 * check mounted with {@link HttpApi#admin}; audited with the payload's fingerprint, never its content.
 */
final class DeviceCommandApi {
    static final String ORIGIN = "admin-command";
    /** The largest command payload: commands are small; bulk data has no place on a device's down topic. */
    static final int MAX_PAYLOAD_BYTES = 16 * 1024;
    private static final Set<String> FIELDS = Set.of("topic", "payload", "payloadBase64", "qos");
    /** One to eight levels of letters, digits and {@code _ . -}: no wildcard, no {@code $}, no empty level. */
    private static final Pattern SUB_TOPIC = Pattern.compile("[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_.-]{1,64}){0,7}");

    /** A level of dots only ({@code .}, {@code ..}): meaningless in MQTT, a path trick to anyone reading it as one. */
    private static final Pattern DOTS_ONLY = Pattern.compile("(^|/)\\.+(/|$)");

    private final DeviceRegistry devices;
    private final TopicRouter router;
    private final AuditLog audit;

    DeviceCommandApi(DeviceRegistry devices, TopicRouter router, AuditLog audit) {
        this.devices = devices;
        this.router = router;
        this.audit = audit;
    }

    void mount(Router r) {
        r.post("/admin/devices/:id/commands").handler(this::send);
    }

    private void send(RoutingContext ctx) {
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
        Device device = devices.find(ctx.pathParam("id")).orElse(null);
        if (device == null) {
            HttpErrors.send(ctx, 404, "not_found", "no such device");
            return;
        }
        String topic = "d/" + device.id() + "/down/" + command.subTopic();
        PublishResult result = router.publish(new RoutedMessage(device.tenant(), topic, command.payload(),
                command.qos(), false, List.of(), ORIGIN));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("device", device.id());
        fields.put("tenant", device.tenant());
        fields.put("topic", topic);
        fields.put("qos", command.qos());
        fields.put("bytes", command.payload().length);
        fields.put("payload", Fingerprints.of(command.payload()));
        fields.put("subscribers", result.accepted());
        audit.record("device.command", "ok", fields);
        HttpErrors.json(ctx, 202, new JsonObject().put("topic", topic).put("qos", command.qos())
                .put("subscribers", result.accepted()));
    }

    private record Command(String subTopic, byte[] payload, int qos) { }

    private static Command parse(JsonObject body) {
        if (!FIELDS.containsAll(body.fieldNames())) {
            throw new IllegalArgumentException("unknown field: expected topic, payload or payloadBase64, qos");
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
        return new Command(sub, payload, qos);
    }
}
