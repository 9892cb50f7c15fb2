package io.edgeauth.broker.health;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Map;

/**
 * The HELP text of the broker's meters that are made with {@code registry.counter(name, tags)} where they are counted
 * (Micrometer's short form takes no description): a Prometheus user reads what a series counts in its HELP line, and
 * 13 families had none. Installed once on the registry, before any meter exists; a meter built with its own
 * description keeps it.
 */
public final class MetricDescriptions implements MeterFilter {
    static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("edgeauth.auth.attempts", "Authentications through the pipeline, by protocol and outcome"),
            Map.entry("edgeauth.tokens.issued", "Tokens issued, by grant and format"),
            Map.entry("edgeauth.tokens.refused", "Token requests refused, by grant and reason"),
            Map.entry("edgeauth.siwe.logins", "Sign-In with Ethereum logins, by outcome"),
            Map.entry("edgeauth.mqtt.connects", "MQTT CONNECTs answered, by outcome and reason"),
            Map.entry("edgeauth.mqtt.drops", "MQTT messages not delivered, by reason (overflow_oldest: a session's"
                    + " queue of mqtt.queueLength was full)"),
            Map.entry("edgeauth.mqtt.backpressure.pauses", "Publishers paused for a congested subscriber (nothing lost)"),
            Map.entry("edgeauth.coap.authz", "CoAP /authz-info token uploads, by outcome"),
            Map.entry("edgeauth.coap.token", "CoAP /token requests, by outcome"),
            Map.entry("edgeauth.coap.refusals", "CoAP requests refused, by resource and reason"),
            Map.entry("edgeauth.coap.sessions.revoked", "CoAP token bindings ended by a revocation"),
            Map.entry("edgeauth.router.drops", "Messages the topic router did not store or route, by reason"),
            Map.entry("edgeauth.store.failures", "Shared-store (Redis) operations that failed, by operation"),
            Map.entry("edgeauth.store.outages", "Times the shared store (Redis) became unreachable"),
            Map.entry("edgeauth.store.read.timeouts",
                    "Background reads of the shared store (Redis) that timed out, by operation; the third in a row is an outage"),
            Map.entry("edgeauth.cluster.forwarded", "Messages handed to another node's inbox, by QoS"),
            Map.entry("edgeauth.cluster.received", "Inbox entries from other nodes delivered here"),
            Map.entry("edgeauth.cluster.handoff.failures", "QoS 1 hand-overs to another node the store refused"
                    + " (the publisher was told)"),
            Map.entry("edgeauth.cluster.qos0.dropped", "QoS 0 messages for another node dropped"),
            Map.entry("edgeauth.cluster.inbox.bad", "Inbox entries that were not a message record"),
            Map.entry("edgeauth.cluster.sessions.moved", "Persistent sessions taken over from another node"),
            Map.entry("edgeauth.cluster.salvaged", "Messages for a moved session taken from its previous owner's inbox"),
            Map.entry("edgeauth.cluster.store.data.lost", "Times this node found its lease entry gone from Redis"
                    + " (Redis lost its data)"));

    @Override
    public Meter.Id map(Meter.Id id) {
        String description = id.getDescription() == null ? DESCRIPTIONS.get(id.getName()) : null;
        return description == null ? id
                : new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), description, id.getType());
    }
}
