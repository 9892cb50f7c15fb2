package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.admission.AdmissionControl;
import io.edgeauth.broker.admission.AdmissionLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The DTLS handshake filter on its own: which datagrams it looks at, and when it drops a ClientHello. */
class DtlsHandshakeAdmissionTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AdmissionControl admission = new AdmissionControl(new AdmissionLimits(1000, 1, 3), meters);
    private final AtomicInteger queued = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
    private final DtlsHandshakeAdmission filter = new DtlsHandshakeAdmission(() -> admission, queued::get, clock::get);

    /** A DTLS 1.2 record: header (type, version, epoch, sequence number, length), then {@code fragment}. */
    static DatagramPacket record(int type, int epoch, byte... fragment) {
        byte[] b = new byte[13 + fragment.length];
        b[0] = (byte) type;
        b[1] = (byte) 0xfe;
        b[2] = (byte) 0xfd;
        b[3] = (byte) (epoch >> 8);
        b[4] = (byte) epoch;
        b[11] = (byte) (fragment.length >> 8);
        b[12] = (byte) fragment.length;
        System.arraycopy(fragment, 0, b, 13, fragment.length);
        DatagramPacket p = new DatagramPacket(b, b.length);
        p.setSocketAddress(new InetSocketAddress("127.0.0.1", 40000));
        return p;
    }

    /**
     * A ClientHello record as a client sends it (RFC 6347 §4.2.2): handshake header, client_version, random,
     * session id, cookie, then cipher suites and compression methods.
     */
    static DatagramPacket clientHello(int sessionIdLength, int cookieLength) {
        byte[] body = new byte[2 + 32 + 1 + sessionIdLength + 1 + cookieLength + 4 + 2];
        body[0] = (byte) 0xfe;
        body[1] = (byte) 0xfd;
        body[34] = (byte) sessionIdLength;
        body[35 + sessionIdLength] = (byte) cookieLength;
        java.util.Arrays.fill(body, 36 + sessionIdLength, 36 + sessionIdLength + cookieLength, (byte) 0x5a);
        byte[] fragment = new byte[12 + body.length];
        fragment[0] = 1; // client_hello
        fragment[3] = (byte) body.length;
        fragment[11] = (byte) body.length;
        System.arraycopy(body, 0, fragment, 12, body.length);
        return record(22, 0, fragment);
    }

    private static DatagramPacket clientHello() {
        return clientHello(0, 0);
    }

    private static boolean first(DatagramPacket p) {
        return DtlsHandshakeAdmission.isFirstClientHello(p.getData(), p.getOffset(), p.getLength());
    }

    private double shed() {
        var c = meters.find("edgeauth.admission.handshakes.shed").tag("edge", "coap").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void onlyAPeersFirstClientHelloIsLookedAt() {
        assertThat(first(clientHello(0, 0))).isTrue();
        assertThat(first(clientHello(32, 0))).as("a resumption: a session id, no cookie").isTrue();
        assertThat(first(clientHello(0, 32))).as("the cookie of a HelloVerifyRequest echoed").isFalse();
        assertThat(first(clientHello(32, 32))).isFalse();
        assertThat(first(record(22, 0, (byte) 2))).as("a ServerHello").isFalse();
        assertThat(first(record(22, 1, (byte) 1))).as("epoch 1: an encrypted handshake message (Finished)").isFalse();
        assertThat(first(record(23, 1, (byte) 1))).as("application data").isFalse();
        assertThat(DtlsHandshakeAdmission.isFirstClientHello(new byte[13], 0, 13)).as("a header alone").isFalse();
        assertThat(first(record(22, 0, (byte) 1, (byte) 0))).as("cut short: counted as a first").isTrue();
        DatagramPacket cut = clientHello(32, 8);
        assertThat(DtlsHandshakeAdmission.isFirstClientHello(cut.getData(), 0, 13 + 12 + 2 + 32 + 1 + 10))
                .as("cut inside the session id").isTrue();
        byte[] shifted = new byte[cut.getLength() + 3];
        System.arraycopy(cut.getData(), 0, shifted, 3, cut.getLength());
        assertThat(DtlsHandshakeAdmission.isFirstClientHello(shifted, 3, cut.getLength()))
                .as("read at the packet's offset").isFalse();
        DatagramPacket firstShifted = clientHello(4, 0);
        byte[] shifted2 = new byte[firstShifted.getLength() + 5];
        java.util.Arrays.fill(shifted2, (byte) 7);
        System.arraycopy(firstShifted.getData(), 0, shifted2, 5, firstShifted.getLength());
        assertThat(DtlsHandshakeAdmission.isFirstClientHello(shifted2, 5, firstShifted.getLength())).isTrue();
    }

    @Test
    void aClientHelloIsDroppedWhilePendingHandshakesAndQueuedWorkReachTheLimit() {
        assertThat(filter.onReceiving(clientHello())).isTrue();
        queued.set(2);
        assertThat(filter.onReceiving(clientHello())).as("0 pending + 2 queued < 3").isTrue();
        queued.set(3);
        assertThat(filter.onReceiving(clientHello())).as("the workers are 3 jobs behind").isFalse();
        assertThat(shed()).isEqualTo(1);
        assertThat(filter.onReceiving(clientHello(0, 32))).as("a cookie echoed: its first ClientHello was let in")
                .isTrue();
        assertThat(filter.onReceiving(record(23, 1, (byte) 9))).as("an established session's data is never dropped")
                .isTrue();
        queued.set(0);
        AdmissionControl.Permit a = admission.admitStartedHandshake();
        AdmissionControl.Permit b = admission.admitStartedHandshake();
        AdmissionControl.Permit c = admission.admitStartedHandshake();
        assertThat(filter.onReceiving(clientHello())).as("3 handshakes pending").isFalse();
        assertThat(shed()).isEqualTo(2);
        a.close();
        assertThat(filter.onReceiving(clientHello())).isTrue();
        b.close();
        c.close();
        assertThat(admission.pendingHandshakes()).isZero();
    }

    /**
     * Peers that prove their address (the cookie), start a handshake and never finish it: Scandium keeps such a
     * handshake about 40 s, so a few dozen a second held every place and no device could shake hands until a minute
     * after the flood. A place is held {@link DtlsHandshakeAdmission#PLACE_HELD} at most now.
     */
    @Test
    void anAbandonedHandshakeGivesItsPlaceBackAfterTheBound() {
        Object[] abandoned = {new Object(), new Object(), new Object()};
        for (Object h : abandoned) {
            filter.started(h, () -> false);
        }
        assertThat(filter.onReceiving(clientHello())).as("3 pending, the limit").isFalse();
        clock.addAndGet(DtlsHandshakeAdmission.PLACE_HELD - 1_000_000);
        assertThat(filter.onReceiving(clientHello())).as("within the bound: still held").isFalse();
        clock.addAndGet(200_000_000); // past the bound, and past the sweep interval since the last sweep
        assertThat(filter.onReceiving(clientHello())).as("the drop that sweeps").isFalse();
        assertThat(admission.pendingHandshakes()).as("past the bound: returned").isZero();
        assertThat(filter.onReceiving(clientHello())).as("the retransmitted ClientHello").isTrue();
        filter.release(abandoned[0]); // a late end changes nothing
        assertThat(admission.pendingHandshakes()).isZero();
    }

    @Test
    void aHandshakeThatEndsReturnsItsPlaceAtOnceAndOneScandiumEndedUnannouncedAtTheNextSweep() {
        Object done = new Object();
        Object dropped = new Object();
        boolean[] gone = {false};
        filter.started(done, () -> false);
        filter.started(dropped, () -> gone[0]);
        filter.release(done);
        assertThat(admission.pendingHandshakes()).isEqualTo(1);
        gone[0] = true;
        filter.started(new Object(), () -> false);
        filter.started(new Object(), () -> false);
        clock.addAndGet(200_000_000); // past the sweep interval, well within the bound
        assertThat(filter.onReceiving(clientHello())).isFalse();
        assertThat(admission.pendingHandshakes()).as("the one Scandium ended").isEqualTo(2);
    }

    @Test
    void aClientHelloLetInHoldsNoPlace() {
        // a place is taken when a handshake starts, after Scandium checked the cookie: spoofed ClientHellos,
        // however many, take none
        for (int i = 0; i < 100; i++) {
            assertThat(filter.onReceiving(clientHello())).isTrue();
        }
        assertThat(admission.pendingHandshakes()).isZero();
        assertThat(filter.pending()).isZero();
    }
}
