package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapObserveRelation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands larger than one block (RFC 7959 §3.4: a notification carries its first block, the device GETs the rest)
 * in a burst (tour R, R12): the next command goes out only once the device fetched the last block of the one
 * before, so none is lost (Californium's client drops an older transfer for a newer notification) or spliced (the
 * server's one Block2 transfer per peer and resource was replaced by the next notification's).
 */
class CoapBlockwiseCommandsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int OBSERVE = 6;
    private static final int BLOCK2 = 23;
    private static final int CONTENT_FORMAT = 12;

    @TempDir
    Path dir;
    private EdgeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new EdgeFixture(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void aBurstOfCommandsLargerThanABlockReachesACaliforniumObserverEveryOneWholeAndInOrder() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        CoapEdgeTest.upload(c, f.token("dev1"));
        c.setURI(f.coap("/d/dev1/down"));
        CoapEdgeTest.Notes notes = new CoapEdgeTest.Notes();
        CoapObserveRelation rel = c.observeAndWait(notes);
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 1);
        List<String> sent = new ArrayList<>();
        for (char letter = 'A'; letter <= 'D'; letter++) {
            String command = String.valueOf(letter).repeat(3000);
            sent.add(summary(command));
            f.messaging.publish("default", "d/dev1/down", command.getBytes(StandardCharsets.UTF_8), null, null);
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(notes.texts().stream().map(CoapBlockwiseCommandsTest::summary))
                .containsExactlyElementsOf(sent));
        rel.proactiveCancel();
    }

    @Test
    void theBlocksADeviceFetchesAreThoseOfTheCommandWhoseFirstBlockItGot() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            byte[] up = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {1},
                    opts("authz-info", new RawCoap.Opt(CONTENT_FORMAT, new byte[] {61})), f.token("dev1")));
            assertThat(RawCoap.code(up)).isEqualTo("2.01");
            byte[] registered = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {0x57},
                    opts("d/dev1/down", new RawCoap.Opt(OBSERVE, new byte[0])), null));
            assertThat(RawCoap.code(registered)).isEqualTo("2.05");
            f.messaging.publish("default", "d/dev1/down", "A".repeat(3000).getBytes(StandardCharsets.UTF_8), null,
                    null);
            f.messaging.publish("default", "d/dev1/down", "B".repeat(3000).getBytes(StandardCharsets.UTF_8), null,
                    null);
            byte[] first = raw.receive();
            assertThat(first).as("the first command's notification").isNotNull();
            assertThat(RawCoap.type(first)).isEqualTo(RawCoap.CON);
            assertThat(new String(RawCoap.payload(first), StandardCharsets.UTF_8)).startsWith("AAAA");
            long block2 = RawCoap.uintOption(first, BLOCK2);
            assertThat(block2 & 0x08).as("more blocks follow").isNotZero();
            raw.send(ack(first)); // acknowledged at once, as every CoAP stack does
            int szx = (int) (block2 & 7);
            int blockSize = 1 << (szx + 4);
            StringBuilder body = new StringBuilder(new String(RawCoap.payload(first), StandardCharsets.UTF_8));
            for (int num = 1; body.length() < 3000; num++) {
                byte[] next = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {0x58},
                        opts("d/dev1/down", new RawCoap.Opt(BLOCK2, new byte[] {(byte) (num << 4 | szx)})), null));
                // a notification of the next command may come first (a CON): acknowledge it and read on
                while (next != null && RawCoap.type(next) == RawCoap.CON) {
                    raw.send(ack(next));
                    next = raw.receive();
                }
                assertThat(next).as("block %d", num).isNotNull();
                assertThat(RawCoap.code(next)).as("block %d", num).isEqualTo("2.05");
                assertThat(RawCoap.payload(next).length).isLessThanOrEqualTo(blockSize);
                body.append(new String(RawCoap.payload(next), StandardCharsets.UTF_8));
            }
            assertThat(summary(body.toString())).as("the first command, whole").isEqualTo(summary("A".repeat(3000)));
        }
    }

    /** A command as its runs of one letter ("A x3000"; "B x2048, C x952" when spliced): short failure messages. */
    static String summary(String body) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < body.length(); ) {
            int j = i;
            while (j < body.length() && body.charAt(j) == body.charAt(i)) {
                j++;
            }
            s.append(s.length() == 0 ? "" : ", ").append(body.charAt(i)).append(" x").append(j - i);
            i = j;
        }
        return s.toString();
    }

    private static byte[] ack(byte[] con) {
        return new byte[] {0x60, 0, con[2], con[3]};
    }

    private static List<RawCoap.Opt> opts(String path, RawCoap.Opt... more) {
        List<RawCoap.Opt> o = new ArrayList<>(RawCoap.path(path));
        o.addAll(List.of(more));
        return o;
    }
}
