/**
 * The MQTT edge (MQTT 3.1.1 and 5 over TCP, TLS, mutual TLS and WebSocket) on Netty's MQTT codec
 * ({@link io.edgeauth.broker.mqtt.wire}: listeners, event loops and one {@code MqttChannel} per connection).
 *
 * <p>Wiring: {@link io.edgeauth.broker.mqtt.MqttEdge} takes {@link io.edgeauth.broker.mqtt.MqttSettings} and its
 * collaborators by constructor; {@code start()} binds (port 0 = ephemeral, read {@code port()},
 * {@code tlsPort()}, {@code webSocketPort()}), {@code stop()} closes listeners and sessions.
 *
 * <p>Behaviour worth knowing:
 * <ul>
 *   <li>Token: CONNECT password, read as raw bytes (a JWT, a raw CWT, or a base64url CWT: the edge decodes a
 *       dot-free base64url password to the raw CWT); the username should be the device id, and MQTT 3.1.1 needs
 *       one with a password (§3.1.2.9), MQTT 5 does not. MQTT 5 clients may instead use authentication method
 *       {@code edgeauth-token} with the token as authentication data.</li>
 *   <li>Renewal: MQTT 5 AUTH (reason 0x19) with method {@code edgeauth-token} and a fresh token; for MQTT 3.1.1
 *       a PUBLISH of the fresh token to {@code $auth/renew}. Same principal and tenant required, else
 *       DISCONNECT 0x87. Expiry without renewal: DISCONNECT 0xA0 (MQTT 5) or close (3.1.1).</li>
 *   <li>Refusal codes: {@link io.edgeauth.broker.mqtt.MqttReasons}, the one mapping. The pipeline audits its own
 *       refusals; the edge audits the ones it makes itself (oversized/missing token, bad method, client id) and
 *       session ends (expiry, revocation, rate abuse) and renewals.</li>
 *   <li>QoS: 0 and 1 end to end; QoS 2 publishes are accepted (PUBREC/PUBREL/PUBCOMP) and routed once, as
 *       at-least-once QoS 1 deliveries; subscriptions are granted at most QoS 1.</li>
 *   <li>Sessions: clean or persistent (3.1.1 clean session false; 5 session expiry interval, capped by
 *       {@code maxSessionExpiry}); persistent sessions and their bounded offline queues live in memory only.</li>
 *   <li>Wills: published on a close without a normal DISCONNECT, on DISCONNECT 0x04, and when a session is
 *       taken over; an MQTT 5 Will Delay Interval holds the will until the delay or the session ends, and a
 *       client that resumes its session in time cancels it. The ACL, token expiry and revocation are checked
 *       when the will is published; a revoked session's will is never published.</li>
 *   <li>Backpressure: a subscriber queue above 3/4 of its bound pauses the publisher's socket until it drains
 *       to 1/4 (or {@code backpressureTimeout}); see {@link io.edgeauth.broker.router.SubscriberQueue} for the
 *       overflow policy. Packets over {@code maxPacketSize} are refused from their header (MQTT 5: DISCONNECT 0x95,
 *       then closed); nothing bigger than an MQTT 5 client's own Maximum Packet Size is sent to it (a PUBLISH
 *       over it is discarded as if sent).</li>
 *   <li>Malformed packets and protocol errors: see {@code docs/mqtt-wire.md} (DISCONNECT 0x81 or 0x82, a
 *       CONNECT CONNACK 0x81 or 0x82, then closed).</li>
 *   <li>Metrics: {@code edgeauth.mqtt.sessions{tenant,protocol}}, {@code edgeauth.mqtt.connects{outcome,reason}},
 *       {@code edgeauth.mqtt.messages.in/out}, {@code edgeauth.mqtt.drops{reason}},
 *       {@code edgeauth.mqtt.backpressure.pauses}, {@code edgeauth.mqtt.auth.latency}.</li>
 * </ul>
 */
package io.edgeauth.broker.mqtt;
