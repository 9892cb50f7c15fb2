package io.edgeauth.device.internal;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.PrincipalEndpointContextMatcher;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a device's DTLS session with the broker when silence says the broker may have lost it. A broker restarted
 * without its sessions (after a crash) drops the records of the old session without a word: DTLS gives it no alert a
 * device could trust, so the device can only notice by silence. Once {@code afterUnanswered} transmissions of a
 * request in a row have gone unanswered, the connection is marked for a new handshake before the next retransmission
 * goes out (Scandium's abbreviated handshake, which a broker that lost the session answers with a full one, and a
 * broker that kept it with the same session). The request then reaches a restarted broker before it times out
 * instead of failing after CoAP's whole retransmission span (62 to 93 s with the standard timeouts).
 * <p>
 * Silence cannot tell a broker that lost the session from one that is still starting with the sessions it kept
 * ({@code coap.keepDtlsSessions}): a renewal during such a clean restart costs the broker a handshake per device and
 * throws its restored session away. A broker with a million sessions was away 28.5 s for a clean restart, so the
 * default renews before the last retransmission: with the standard timeouts after 30 to 45 s of silence (4
 * transmissions). Lower values suit brokers that do not keep sessions or restart within seconds (2: 6 to 9 s).
 * One per device client (the SDK's {@code DeviceCoapClient}, the simulator's links); nothing for plain CoAP. Not
 * part of the API. Thread-safe.
 */
public final class SessionRenewal {
    /**
     * Unanswered transmissions before a renewal unless set (or {@code MAX_RETRANSMIT} if lower): the standard timeouts'
     * last retransmission, so a clean restart of up to about 30 s goes without one.
     */
    public static final int DEFAULT_AFTER_UNANSWERED = 4;
    private static final Logger LOG = LoggerFactory.getLogger(SessionRenewal.class);

    /** The DTLS connector, null for plain CoAP. */
    private final DTLSConnector dtls;
    private final int afterUnanswered;
    private final String deviceId;
    /** Renewals so far: a request's silence counts from the last one, whichever request asked for it. */
    private final AtomicLong renewals = new AtomicLong();
    /** Where the requests go (one broker per client); null until the first request is watched. */
    private volatile InetSocketAddress broker;

    private SessionRenewal(DTLSConnector dtls, int afterUnanswered, String deviceId) {
        this.dtls = dtls;
        this.afterUnanswered = afterUnanswered;
        this.deviceId = deviceId;
    }

    /**
     * The renewal for a client over {@code dtls} (null: plain CoAP, nothing to renew) with {@code config}'s
     * retransmissions. {@code afterUnanswered}: transmissions of one request in a row without an answer before its
     * next retransmission goes over a new handshake; 0 renews the session only once a request has timed out; negative
     * means {@link #DEFAULT_AFTER_UNANSWERED} or {@code MAX_RETRANSMIT} if lower. Over DTLS, more than
     * {@code MAX_RETRANSMIT} could never happen (the request times out first) and is refused.
     *
     * @throws IllegalStateException if {@code afterUnanswered} exceeds the configuration's {@code MAX_RETRANSMIT}
     */
    public static SessionRenewal of(DTLSConnector dtls, Configuration config, int afterUnanswered, String deviceId) {
        int maxRetransmit = config.get(CoapConfig.MAX_RETRANSMIT);
        if (afterUnanswered > maxRetransmit && dtls != null) {
            throw new IllegalStateException("renewSessionAfterUnanswered (" + afterUnanswered
                    + ") must not exceed the configuration's MAX_RETRANSMIT (" + maxRetransmit
                    + "): the request would time out first");
        }
        int after = afterUnanswered >= 0 ? afterUnanswered : Math.min(DEFAULT_AFTER_UNANSWERED, maxRetransmit);
        return new SessionRenewal(dtls, after, deviceId);
    }

    /**
     * Sets the endpoint's response matching for a client whose requests may go on over a renewed session. Every
     * session such a client can hold is with a peer that proved the device's own PSK (or, for certificates, the same
     * principal), so matching by that identity is as strict as by session; Californium's standard STRICT matching
     * refuses to send a retransmission over the new session.
     */
    public static CoapEndpoint.Builder matchByPrincipal(CoapEndpoint.Builder endpoint) {
        return endpoint.setEndpointContextMatcher(new PrincipalEndpointContextMatcher());
    }

    /** Watches {@code request} (its destination already set) for transmissions that go unanswered. */
    public void watch(Request request) {
        if (dtls == null) {
            return;
        }
        InetSocketAddress peer = request.getDestinationContext().getPeerAddress();
        broker = peer;
        if (afterUnanswered > 0) {
            request.addMessageObserver(new Silence(peer));
        }
    }

    /**
     * Makes the next request to the broker start a new handshake. Called when a request timed out; a connection
     * in the middle of a handshake is left alone (Scandium would otherwise start another one after it).
     */
    public void renew() {
        InetSocketAddress peer = broker;
        if (dtls != null && peer != null) {
            renew(peer);
        }
    }

    private void renew(InetSocketAddress peer) {
        renewals.incrementAndGet();
        dtls.forceResumeSessionFor(peer);
    }

    /**
     * Counts a request's transmissions since its last answer, or since the last renewal if that came later (one
     * silent request renewing the session starts every other request's count afresh, so two requests in flight
     * renew once). Californium hands a request's observers on to the re-registrations of an observation, so the
     * count also goes on across them.
     */
    private final class Silence extends MessageObserverAdapter {
        private final InetSocketAddress peer;
        private final AtomicInteger unanswered = new AtomicInteger();
        private volatile long renewalsSeen = renewals.get();

        Silence(InetSocketAddress peer) {
            this.peer = peer;
        }

        @Override
        public void onRetransmission() {
            // called before the retransmission is handed to the connector, which then handshakes first
            long now = renewals.get();
            if (now != renewalsSeen) { // renewed since this count began: this is the first transmission over the new session
                renewalsSeen = now;
                unanswered.set(0);
                return;
            }
            if (unanswered.incrementAndGet() == afterUnanswered) {
                LOG.info("device {}: {} transmissions in a row unanswered, renewing the DTLS session", deviceId,
                        afterUnanswered);
                renew(peer);
                renewalsSeen = renewals.get();
            }
        }

        @Override
        public void onAcknowledgement() {
            unanswered.set(0);
        }

        @Override
        public void onResponse(Response response) {
            unanswered.set(0);
        }
    }
}
