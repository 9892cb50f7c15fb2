/**
 * Load shedding before queues grow: how many authentications a node runs at once, and the explicit,
 * retryable refusal a new one gets beyond that. This package decides only whether to admit; each protocol
 * edge turns a refusal into its own code in its one mapper ({@code mqtt.MqttReasons}: CONNACK 0x89 Server
 * busy, 3.1.1 0x03; {@code coap.CoapCodes}: 5.03 with Max-Age; {@code http.HttpRefusals}: 503 with
 * Retry-After) through {@link io.edgeauth.broker.refusal.RejectionReason#SERVER_BUSY}.
 */
package io.edgeauth.broker.admission;
