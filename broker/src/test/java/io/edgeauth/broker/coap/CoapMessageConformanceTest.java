package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CoAP message layer and request options against RFC 7252 (tour R: R1, R2, R3, R13), with datagrams sent by
 * hand from an authorized socket: what a lenient parser would process is refused, or ignored, as the RFC says.
 */
class CoapMessageConformanceTest {
    static final int IF_MATCH = 1;
    static final int URI_HOST = 3;
    static final int IF_NONE_MATCH = 5;
    static final int OBSERVE = 6;
    static final int URI_PORT = 7;
    static final int CONTENT_FORMAT = 12;
    static final int ACCEPT = 17;
    static final int Q_BLOCK1 = 19;
    static final int Q_BLOCK2 = 31;
    static final int ACK = 2;

    @TempDir
    static Path dir;
    static EdgeFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = new EdgeFixture(dir);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    static List<RawCoap.Opt> opts(String path, RawCoap.Opt... more) {
        List<RawCoap.Opt> o = new ArrayList<>(RawCoap.path(path));
        o.addAll(List.of(more));
        return o;
    }

    static RawCoap.Opt opt(int number, int... bytes) {
        byte[] value = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            value[i] = (byte) bytes[i];
        }
        return new RawCoap.Opt(number, value);
    }

    /** A raw socket of its own loopback address with dev1's token uploaded from it. */
    static RawCoap authorized(String address) throws Exception {
        RawCoap raw = new RawCoap(f.edge.port(), address);
        byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {1},
                opts("authz-info", opt(CONTENT_FORMAT, 61)), f.token("dev1")));
        assertThat(answer).as("answer to the token upload").isNotNull();
        assertThat(RawCoap.code(answer)).as("token upload").isEqualTo("2.01");
        return raw;
    }

    static int publishedTo(String topic) {
        return f.messaging.published("default", topic).size();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRepeatedOrTooLongCriticalOptionGets402AndNothingIsPublished() throws Exception {
        try (RawCoap raw = authorized("127.0.0.11")) {
            List<List<RawCoap.Opt>> cases = List.of(
                    List.of(RawCoap.Opt.of(URI_HOST, "a"), RawCoap.Opt.of(URI_HOST, "b")),
                    List.of(opt(ACCEPT), opt(ACCEPT, 0)),
                    List.of(opt(URI_PORT, 0x70, 0x0b), opt(URI_PORT, 0x70, 0x0b)),
                    List.of(opt(IF_NONE_MATCH), opt(IF_NONE_MATCH)),
                    List.of(opt(ACCEPT, 0, 0, 1)),
                    List.of(opt(URI_PORT, 0, 0x70, 0x0b)));
            int i = 0;
            for (List<RawCoap.Opt> extra : cases) {
                List<RawCoap.Opt> o = opts("d/dev1/up/r1-" + i);
                o.addAll(extra);
                byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {2, (byte) i}, o,
                        bytes("1")));
                assertThat(answer).as("answer to case %d", i).isNotNull();
                assertThat(RawCoap.code(answer)).as("case %d: %s", i, extra).isEqualTo("4.02");
                assertThat(publishedTo("d/dev1/up/r1-" + i)).as("published in case %d", i).isZero();
                i++;
            }
        }
    }

    @Test
    void anObserveOptionTooLongIsIgnoredAsAnUnrecognizedElectiveOne() throws Exception {
        try (RawCoap raw = authorized("127.0.0.12")) {
            byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {3},
                    opts("d/dev1/down", opt(OBSERVE, 0, 0, 0, 0)), null));
            assertThat(RawCoap.code(answer)).isEqualTo("2.05");
            assertThat(RawCoap.uintOption(answer, OBSERVE)).as("no relation: a plain GET's answer").isEqualTo(-1);
            assertThat(f.edge.observerCount()).isZero();
        }
    }

    @Test
    void anAcknowledgementCarryingARequestIsIgnored() throws Exception {
        try (RawCoap raw = authorized("127.0.0.13")) {
            raw.timeout(1500);
            byte[] answer = raw.exchange(raw.message(ACK, RawCoap.POST, new byte[] {0x10},
                    opts("d/dev1/up/r2"), bytes("1")));
            assertThat(answer).as("an answer to an ACK carrying a POST").isNull();
            assertThat(publishedTo("d/dev1/up/r2")).isZero();
        }
    }

    @Test
    void anUnknownMethodCodeGets405() throws Exception {
        try (RawCoap raw = authorized("127.0.0.14")) {
            for (int method : new int[] {8, 0x1f}) {
                byte[] answer = raw.exchange(raw.message(RawCoap.CON, method, new byte[] {4, (byte) method},
                        opts("d/dev1/up/r3"), bytes("1")));
                assertThat(answer).as("answer to method 0.%02d", method).isNotNull();
                assertThat(RawCoap.code(answer)).as("method 0.%02d", method).isEqualTo("4.05");
                assertThat(RawCoap.type(answer)).isEqualTo(ACK);
            }
            assertThat(publishedTo("d/dev1/up/r3")).isZero();
        }
    }

    @Test
    void qBlockOptionsGet402SoTheClientFallsBackToBlock() throws Exception {
        try (RawCoap raw = authorized("127.0.0.15")) {
            byte[] up = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {5},
                    opts("d/dev1/up/r13", opt(Q_BLOCK1, 0x08)), bytes("first-16-bytes!!")));
            assertThat(RawCoap.code(up)).as("Q-Block1").isEqualTo("4.02");
            assertThat(publishedTo("d/dev1/up/r13")).isZero();
            byte[] down = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {6},
                    opts(".well-known/core", opt(Q_BLOCK2, 0)), null));
            assertThat(RawCoap.code(down)).as("Q-Block2").isEqualTo("4.02");
        }
    }

    static final int BLOCK1 = 27;
    static final int REQUEST_TAG = 292;

    /** Block1 option value: NUM, M, SZX (RFC 7959 §2.2), in one byte for NUM < 16. */
    static RawCoap.Opt block1(int num, boolean more, int szx) {
        return opt(BLOCK1, num << 4 | (more ? 8 : 0) | szx);
    }

    /**
     * Tour R, R5: two Block1 uploads to one path from one endpoint. The second's first block restarts the transfer
     * (RFC 7959 §2.5); the first's next block, told apart by its token or its Request-Tag (RFC 9175 §3), then has no
     * predecessor (4.08), instead of completing the second's first block as its own body.
     */
    @Test
    void aBlockOfAnUploadAnotherUploadToTheSamePathRestartedGets408AndNothingSplicedIsPublished() throws Exception {
        try (RawCoap raw = authorized("127.0.0.16")) {
            record Op(byte[] token, RawCoap.Opt[] tag) { }
            String[] topics = {"same2", "same3", "same4"};
            Op[][] cases = {
                    {new Op(new byte[] {(byte) 0xf1}, new RawCoap.Opt[0]), new Op(new byte[] {(byte) 0xf2}, new RawCoap.Opt[0])},
                    {new Op(new byte[] {(byte) 0xf3}, new RawCoap.Opt[] {opt(REQUEST_TAG, 1)}),
                            new Op(new byte[] {(byte) 0xf4}, new RawCoap.Opt[] {opt(REQUEST_TAG, 2)})},
                    {new Op(new byte[] {(byte) 0xf5}, new RawCoap.Opt[] {opt(REQUEST_TAG, 1)}),
                            new Op(new byte[] {(byte) 0xf5}, new RawCoap.Opt[] {opt(REQUEST_TAG, 2)})}};
            for (int c = 0; c < cases.length; c++) {
                String path = "d/dev1/up/" + topics[c];
                Op a = cases[c][0];
                Op b = cases[c][1];
                assertThat(RawCoap.code(raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, a.token(),
                        withBlock(path, block1(0, true, 0), a.tag()), bytes("A".repeat(16)))))).isEqualTo("2.31");
                assertThat(RawCoap.code(raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, b.token(),
                        withBlock(path, block1(0, true, 0), b.tag()), bytes("B".repeat(16)))))).isEqualTo("2.31");
                byte[] aLast = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, a.token(),
                        withBlock(path, block1(1, false, 0), a.tag()), bytes("a")));
                assertThat(RawCoap.code(aLast)).as("case %s: the first upload's last block", topics[c])
                        .isEqualTo("4.08");
                byte[] bLast = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, b.token(),
                        withBlock(path, block1(1, false, 0), b.tag()), bytes("b")));
                assertThat(RawCoap.code(bLast)).as("case %s: the second upload's last block", topics[c])
                        .isEqualTo("2.04");
                assertThat(f.messaging.published("default", path).stream().map(InMemoryCoapMessaging.Published::text))
                        .as("case %s", topics[c]).containsExactly("B".repeat(16) + "b");
            }
        }
    }

    private static List<RawCoap.Opt> withBlock(String path, RawCoap.Opt block, RawCoap.Opt... tag) {
        List<RawCoap.Opt> o = opts(path, block);
        o.addAll(List.of(tag));
        return o;
    }

    /**
     * Tour R, R18 (RFC 7252 §11.3): on plain CoAP a peer without a token (any spoofed source) gets no answer over
     * three times its request (QUIC's factor, RFC 9000 §8.1); the ACE error code stays.
     */
    @Test
    void onPlainCoapAnUnauthenticatedRequestGetsNoAnswerLargerThanItself() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port(), "127.0.0.17")) {
            List<byte[]> requests = List.of(
                    raw.message(RawCoap.CON, RawCoap.POST, new byte[0], opts("d/a/up"), null),
                    raw.message(RawCoap.CON, RawCoap.GET, new byte[0], opts("d/a/down"), null),
                    raw.message(RawCoap.CON, RawCoap.POST, new byte[0], opts("authz-info", opt(CONTENT_FORMAT, 50)),
                            bytes("x")),
                    raw.message(RawCoap.CON, RawCoap.POST, new byte[0], opts("authz-info"), null),
                    raw.message(RawCoap.CON, RawCoap.POST, new byte[0], opts("token"), null));
            for (byte[] request : requests) {
                byte[] answer = raw.exchange(request);
                while (answer != null && RawCoap.code(answer).equals("0.00")) { // an empty ACK: the answer follows
                    assertThat(answer.length).isLessThanOrEqualTo(request.length);
                    answer = raw.receive();
                }
                assertThat(answer).as("an answer to %s", java.util.HexFormat.of().formatHex(request)).isNotNull();
                assertThat(RawCoap.code(answer)).startsWith("4.");
                if (RawCoap.type(answer) == RawCoap.CON) {
                    raw.send(new byte[] {0x60, 0, answer[2], answer[3]});
                }
                assertThat(answer.length).as("answer %s to request %s", java.util.HexFormat.of().formatHex(answer),
                        java.util.HexFormat.of().formatHex(request)).isLessThanOrEqualTo(AmplificationLimitLayer.FACTOR * request.length);
                byte[] payload = RawCoap.payload(answer);
                if (payload.length > 0) {
                    assertThat(com.upokecenter.cbor.CBORObject.DecodeFromBytes(payload)
                            .ContainsKey(CoapCodes.ACE_ERROR)).as("the ACE error code stays").isTrue();
                }
            }
        }
    }
}
