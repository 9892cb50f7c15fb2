package io.edgeauth.broker.bench.chaos;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the broker acknowledged during a chaos run, and so must still hold after any number of kill -9
 * restarts. An operation counts only once its acknowledgement reached the client: one cut off by the
 * kill is neither here nor a loss. Thread-safe.
 */
final class ChaosLedger {
    /** Device ids whose registration was answered 201. */
    final Set<String> registered = ConcurrentHashMap.newKeySet();
    /** Access tokens whose revocation (by jti) was answered 201. */
    final List<String> revokedTokens = new CopyOnWriteArrayList<>();
    /** SIWE logins answered 200: their nonce is consumed and a replay must fail. */
    final List<SignedLogin> consumedLogins = new CopyOnWriteArrayList<>();
    /** Refresh tokens superseded by an acknowledged rotation: presenting one again must fail. */
    final List<String> rotatedRefreshTokens = new CopyOnWriteArrayList<>();
    /** Sequence numbers of QoS 1 messages the broker PUBACKed with success. */
    final Set<Integer> published = ConcurrentHashMap.newKeySet();
    /** Sequence numbers the persistent subscriber received. */
    final Set<Integer> received = ConcurrentHashMap.newKeySet();
    /** Numbers of CoAP uploads (confirmable POST) the broker answered 2.04. */
    final Set<Long> coapAcknowledged = ConcurrentHashMap.newKeySet();
    /** Numbers of CoAP uploads the persistent subscriber received. */
    final Set<Long> coapReceived = ConcurrentHashMap.newKeySet();

    /** A signed SIWE message as sent to /siwe/login. */
    record SignedLogin(String message, String signature) {
    }
}
