package io.edgeauth.broker.coap;

import io.edgeauth.broker.admission.AdmissionControl;
import java.net.DatagramPacket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.net.InetSocketAddress;
import org.eclipse.californium.scandium.AlertHandler;
import org.eclipse.californium.scandium.DatagramFilter;
import org.eclipse.californium.scandium.dtls.AlertMessage;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.DTLSContext;
import org.eclipse.californium.scandium.dtls.Handshaker;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;
import org.eclipse.californium.scandium.dtls.Record;
import org.eclipse.californium.scandium.dtls.ServerHandshaker;
import org.eclipse.californium.scandium.dtls.SessionAdapter;

/**
 * Admits DTLS handshakes on the node's handshake limit ({@code admission.maxPendingTlsHandshakes}, shared with the
 * MQTT TLS listeners). On Scandium's receiver thread, before it is parsed, answered or queued, a ClientHello is
 * dropped while the handshakes pending on the node plus the jobs already waiting for the edge's DTLS workers
 * reach the limit (a peer's first ClientHello only: see {@link #isFirstClientHello}). DTLS has no "busy" answer
 * before a handshake, and a dropped ClientHello is what UDP loss looks like: the client sends it again after its
 * retransmission timeout, doubled each time (RFC 6347 §4.2.4), which is the backoff a herd needs (the device SDK
 * jitters that timeout, so that a herd does not come back all at once).
 *
 * <p>Why the workers' queue counts: Scandium checks a ClientHello's cookie, and starts its handshake, on those
 * workers. Counting only handshakes already started would let a herd's ClientHellos pile up in the queue
 * before the first of them is counted; reserving a place per ClientHello as it arrives would let anyone with
 * spoofed source addresses hold every place (the cookie that proves an address is checked later). The queue is
 * what a storm makes grow, and a spoofed datagram leaves it as soon as its cookie fails.
 *
 * <p>A handshake holds its place from its start (after its cookie was checked) until its keys are established, it
 * fails, or {@link #PLACE_HELD} has passed. A sweep, at most every 100 ms and only while ClientHellos are being
 * dropped, returns the places of handshakes older than that, and of those Scandium expired or destroyed without telling
 * its listeners, so that no path shrinks the limit for good. The time bound is for peers that start a handshake
 * (proving their address with the cookie) and never finish it: Scandium keeps such a handshake about 40 s, and a few
 * dozen a second held every place, so that no device could shake hands until the flood had stopped for a minute. A
 * handshake past the bound goes on; it only no longer keeps others out (its work is done when its peer is silent). Hand-written because Scandium has no handshake limit: {@code DTLS_MAX_PENDING_INBOUND_JOBS} drops any
 * datagram, established sessions' included, and only at 50,000 queued jobs.
 */
final class DtlsHandshakeAdmission extends SessionAdapter implements DatagramFilter, AlertHandler {
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long a handshake keeps its place at most: a handshake between live peers ends in far less. */
    static final long PLACE_HELD = TimeUnit.SECONDS.toNanos(5);
    private static final int RECORD_HEADER = 13; // type, version, epoch, sequence number, length (RFC 6347 §4.1)
    private static final byte HANDSHAKE = 22;
    private static final byte CLIENT_HELLO = 1;
    // record header, handshake header (12: type, length, message_seq, fragment offset and length), client_version
    // (2), random (32): then the session id's length byte, the session id, and the cookie's length byte
    private static final int SESSION_ID_LENGTH = RECORD_HEADER + 12 + 2 + 32;

    private final Supplier<AdmissionControl> admission;
    private final IntSupplier queuedJobs;
    private final LongSupplier nanos;
    private final Map<Object, Place> started = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep;
    private volatile DtlsPskRefusals pskRefusals; // null: not traced (tests of the limit alone)

    /**
     * @param admission  the node's admission control, read per ClientHello (the edge may be given it after start)
     * @param queuedJobs jobs waiting for the edge's DTLS workers now
     */
    DtlsHandshakeAdmission(Supplier<AdmissionControl> admission, IntSupplier queuedJobs, LongSupplier nanos) {
        this.admission = admission;
        this.queuedJobs = queuedJobs;
        this.nanos = nanos;
        this.lastSweep = new AtomicLong(nanos.getAsLong());
    }

    @Override
    public boolean onReceiving(DatagramPacket packet) {
        if (!isFirstClientHello(packet.getData(), packet.getOffset(), packet.getLength())) {
            return true;
        }
        if (admission.get().tryHandshakeRoom("coap", queuedJobs.getAsInt())) {
            return true;
        }
        sweepNowAndThen();
        return false; // counted as shed; the client sends it again after its retransmission timeout
    }

    @Override
    public boolean onReceiving(Record record, Connection connection) {
        return true;
    }

    /** Where refused PSK handshakes are traced (the edge's audit and meters). */
    DtlsHandshakeAdmission tracing(DtlsPskRefusals refusals) {
        this.pskRefusals = refusals;
        return this;
    }

    /**
     * A record of a handshake in epoch 1 that fails its MAC is the peer's Finished under a key from another PSK than
     * the one derived for its identity: Scandium drops it silently and lets the handshake time out, so the refusal is
     * traced here, once per handshake (the peer retransmits it).
     */
    @Override
    public boolean onMacError(Record record, Connection connection) {
        DtlsPskRefusals refusals = pskRefusals;
        if (refusals != null && record.getEpoch() > 0 && connection.getOngoingHandshake() instanceof ServerHandshaker h
                && h.getPreSharedKeyIdentity() != null) {
            Place place = started.get(h);
            if (place == null || place.traced().compareAndSet(false, true)) {
                refusals.refused(DtlsPskRefusals.BAD_PSK, h.getPeerAddress(), h.getPreSharedKeyIdentity());
            }
        }
        return false; // as without a filter: Scandium counts the error and drops the record
    }

    /** A handshake's place: its permit, when it started, whether Scandium has ended it unannounced, whether traced. */
    private record Place(AdmissionControl.Permit permit, long startedNanos, BooleanSupplier ended,
                         java.util.concurrent.atomic.AtomicBoolean traced) {
    }

    @Override
    public void handshakeStarted(Handshaker handshaker) {
        started(handshaker, () -> handshaker.isDestroyed() || handshaker.isExpired());
    }

    /** A handshake (Scandium's handshaker, or a test's stand-in) took a place. */
    void started(Object handshake, BooleanSupplier ended) {
        Place previous = started.put(handshake, new Place(admission.get().admitStartedHandshake(), nanos.getAsLong(),
                ended, new java.util.concurrent.atomic.AtomicBoolean()));
        if (previous != null) {
            previous.permit().close();
        }
    }

    @Override
    public void contextEstablished(Handshaker handshaker, DTLSContext context) {
        release(handshaker); // its key exchange and signatures are done: the work the limit is for
    }

    @Override
    public void handshakeCompleted(Handshaker handshaker) {
        release(handshaker);
    }

    @Override
    public void handshakeFailed(Handshaker handshaker, Throwable error) {
        release(handshaker);
    }

    /**
     * Scandium's report of an alert it did not send: for {@code unknown_psk_identity} (no key derived for the
     * identity) it leaves the handshake to time out silently, so the refusal is traced here with the identity of
     * the peer's handshake (the one pending from that address).
     */
    @Override
    public void onAlert(InetSocketAddress peer, AlertMessage alert) {
        DtlsPskRefusals refusals = pskRefusals;
        if (refusals == null || alert.getDescription() != AlertMessage.AlertDescription.UNKNOWN_PSK_IDENTITY) {
            return;
        }
        PskPublicInformation identity = null;
        for (Object h : started.keySet()) { // a few: the node's limit of pending handshakes bounds them
            if (h instanceof ServerHandshaker s && peer.equals(s.getPeerAddress())) {
                identity = s.getPreSharedKeyIdentity();
            }
        }
        refusals.refused(DtlsPskRefusals.UNKNOWN_IDENTITY, peer, identity);
    }

    /** Handshakes holding a place now. */
    int pending() {
        return started.size();
    }

    void release(Object handshake) {
        Place place = started.remove(handshake);
        if (place != null) {
            place.permit().close();
        }
    }

    private void sweepNowAndThen() {
        long now = nanos.getAsLong();
        long last = lastSweep.get();
        if (now - last < SWEEP_INTERVAL_NANOS || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        started.forEach((handshake, place) -> {
            if ((now - place.startedNanos() > PLACE_HELD || place.ended().getAsBoolean())
                    && started.remove(handshake, place)) {
                place.permit().close();
            }
        });
    }

    /**
     * The datagram's first record is a plaintext ClientHello (epoch 0, as Scandium's own test decides) that carries
     * no cookie: a peer's first. The ClientHello that echoes the cookie of a HelloVerifyRequest follows one round
     * trip after a first one this filter let in, so it is let in too: gating both would make a device pass the
     * limit twice per handshake. One that cannot be read that far counts as a first.
     */
    static boolean isFirstClientHello(byte[] data, int offset, int length) {
        if (length <= RECORD_HEADER || data[offset] != HANDSHAKE || data[offset + 3] != 0 || data[offset + 4] != 0
                || data[offset + RECORD_HEADER] != CLIENT_HELLO) {
            return false;
        }
        int sessionIdLength = offset + SESSION_ID_LENGTH;
        if (sessionIdLength >= offset + length) {
            return true;
        }
        int cookieLength = sessionIdLength + 1 + (data[sessionIdLength] & 0xff);
        return cookieLength >= offset + length || data[cookieLength] == 0;
    }
}
