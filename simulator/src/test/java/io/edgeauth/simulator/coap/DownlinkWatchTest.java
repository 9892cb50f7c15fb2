package io.edgeauth.simulator.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.junit.jupiter.api.Test;

/** Notifications of a device's Observe relation: its commands, someone else's, noise, and the end. */
class DownlinkWatchTest {
    private static Response notification(ResponseCode code, byte[] payload) {
        Response r = new Response(code);
        r.setPayload(payload);
        return r;
    }

    private static byte[] command(long index, int seq, int size) {
        return ByteBuffer.allocate(size).putLong(System.nanoTime()).putLong(index).putInt(seq).array();
    }

    @Test
    void theAwaitedCommandCompletesWithItsLatencyOnce() {
        DownlinkWatch w = new DownlinkWatch(7);
        CompletableFuture<Long> f = w.expect(3);
        w.accept(notification(ResponseCode.CONTENT, new byte[0])); // the registration's empty state
        w.accept(notification(ResponseCode.CONTENT, command(7, 2, 20))); // not awaited: ignored
        assertThat(f).isNotDone();
        w.accept(notification(ResponseCode.CONTENT, command(7, 3, 64)));
        assertThat(f).isCompleted();
        assertThat(f.join()).isNotNegative();
        w.accept(notification(ResponseCode.CONTENT, command(7, 3, 64))); // a repeat changes nothing
        assertThat(w.ended()).isNotDone();
    }

    @Test
    void aCommandForAnotherDeviceIsMisrouted() {
        DownlinkWatch w = new DownlinkWatch(7);
        CompletableFuture<Long> f = w.expect(0);
        w.accept(notification(ResponseCode.CONTENT, command(8, 0, 20)));
        assertThat(f).isCompletedExceptionally();
        assertThat(f.handle((v, e) -> ((CoapTransportException) e).kind()).join()).isEqualTo("misrouted");
    }

    @Test
    void shortOrHostilePayloadsAreNotCommands() {
        DownlinkWatch w = new DownlinkWatch(1);
        CompletableFuture<Long> f = w.expect(0);
        w.accept(notification(ResponseCode.CONTENT, new byte[19]));
        w.accept(notification(ResponseCode.CONTENT, null));
        w.accept(notification(ResponseCode.CONTENT, new byte[1 << 16])); // index 0, seq 0: for device 0, not 1
        assertThat(f).isCompletedExceptionally(); // misrouted, never a success
        assertThat(w.ended()).isNotDone();
    }

    @Test
    void anErrorNotificationEndsTheRelation() {
        DownlinkWatch w = new DownlinkWatch(1);
        w.accept(notification(ResponseCode.UNAUTHORIZED, new byte[] {1, 2}));
        assertThat(w.ended()).isCompletedWithValue("4.01");
    }
}
