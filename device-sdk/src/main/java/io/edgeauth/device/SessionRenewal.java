package io.edgeauth.device;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.scandium.DTLSConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the DTLS session with the broker when silence says the broker may have lost it. A broker restarted without
 * its sessions (after a crash) drops the records of the old session without a word: DTLS gives it no alert a device
 * could trust, so the device can only notice by silence. Once {@code afterUnanswered} transmissions of a request
 * in a row have gone unanswered, the connection is marked for a new handshake before the next retransmission goes
 * out (Scandium's abbreviated handshake, which a broker that lost the session answers with a full one, and a broker
 * that kept it with the same session). The request then reaches a restarted broker within seconds instead of failing
 * after CoAP's whole retransmission span (62 to 93 s with the standard timeouts). With the default of 2, one lost
 * datagram costs nothing; two in a row (with the standard timeouts, 6 to 9 s of silence) cost an abbreviated
 * handshake. Nothing for plain CoAP. Thread-safe.
 */
final class SessionRenewal {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRenewal.class);

    /** The DTLS connector, null for plain CoAP. */
    private final DTLSConnector dtls;
    private final int afterUnanswered;
    private final String deviceId;
    /** Where the requests go (one broker per client); null until the first request is watched. */
    private volatile InetSocketAddress broker;

    /**
     * @param afterUnanswered transmissions of one request in a row without an answer before its next
     *                        retransmission goes over a new handshake; 0 renews the session only once a request has
     *                        timed out
     */
    SessionRenewal(DTLSConnector dtls, int afterUnanswered, String deviceId) {
        this.dtls = dtls;
        this.afterUnanswered = afterUnanswered;
        this.deviceId = deviceId;
    }

    /** Watches {@code request} (its destination already set) for transmissions that go unanswered. */
    void watch(Request request) {
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
    void renew() {
        InetSocketAddress peer = broker;
        if (dtls != null && peer != null) {
            dtls.forceResumeSessionFor(peer);
        }
    }

    /**
     * Counts a request's transmissions since its last answer. Californium hands a request's observers on to the
     * re-registrations of an observation, so the count starts again with every answer, not with every request.
     */
    private final class Silence extends MessageObserverAdapter {
        private final InetSocketAddress peer;
        private final AtomicInteger unanswered = new AtomicInteger();

        Silence(InetSocketAddress peer) {
            this.peer = peer;
        }

        @Override
        public void onRetransmission() {
            // called before the retransmission is handed to the connector, which then handshakes first
            if (unanswered.incrementAndGet() == afterUnanswered) {
                LOG.info("device {}: {} transmissions in a row unanswered, renewing the DTLS session", deviceId,
                        afterUnanswered);
                dtls.forceResumeSessionFor(peer);
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
