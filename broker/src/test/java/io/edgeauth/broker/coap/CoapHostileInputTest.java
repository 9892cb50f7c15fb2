package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.testsupport.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile datagrams against the plain CoAP listener (the hostile-input tour's F2, F3, F7 and F9), each sent by
 * hand from one UDP socket: what is asserted is the answer (code, type, size), never memory.
 */
class CoapHostileInputTest {
    private static final int BLOCK1 = 27;
    private static final int SIZE1 = 60;
    private static final int CONTENT_FORMAT = 12;
    private static final int MAX_AGE = 14;

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

    private static byte[] token(int i) {
        return new byte[] {(byte) (i >> 8), (byte) i, 0x5a, 0x5a};
    }

    /** Block1 option value: NUM, M, SZX (RFC 7959 §2.2), in one byte for NUM < 16. */
    private static RawCoap.Opt block1(int num, boolean more, int szx) {
        return new RawCoap.Opt(BLOCK1, new byte[] {(byte) (num << 4 | (more ? 8 : 0) | szx)});
    }

    private static List<RawCoap.Opt> opts(String path, RawCoap.Opt... more) {
        List<RawCoap.Opt> o = new ArrayList<>(RawCoap.path(path));
        o.addAll(List.of(more));
        return o;
    }

    /** Uploads a token for {@code device} from the raw socket, so that socket's peer has a session. */
    private static void authorize(RawCoap raw, String device) throws Exception {
        byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(1),
                opts("authz-info", new RawCoap.Opt(CONTENT_FORMAT, new byte[] {61})), f.token(device)));
        assertThat(answer).as("answer to the token upload").isNotNull();
        assertThat(RawCoap.code(answer)).as("token upload").isEqualTo("2.01");
    }

    // ---- F2: Block1 uploads pin memory ------------------------------------------------------------------------

    @Test
    void block1FromAPeerWithoutATokenIsRefusedBeforeAnyBufferIsKept() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            for (int i = 0; i < 3; i++) {
                byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(i),
                        opts("d/x" + i + "/up/t", block1(0, true, 0)), new byte[16]));
                assertThat(answer).isNotNull();
                assertThat(RawCoap.code(answer)).as("first block of an upload without a token, to /d/x%d/up/t", i)
                        .isEqualTo("4.01");
            }
        }
    }

    /**
     * Tour R, R11: a request datagram over 2,048 bytes (Californium's default datagram buffer) without Block1 was cut
     * and dropped, unanswered, so a device that does not switch to Block1 by itself retried for 45 s and failed. A
     * request up to the payload limit is now read whole and answered.
     */
    @Test
    void aRequestOverTwoKilobytesWithoutBlock1IsAnswered() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port(), "127.0.0.9")) {
            authorize(raw, "dev1");
            int i = 0;
            for (int size : new int[] {1_500, 3_000, 20_000, 60_000}) {
                byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(90 + i++),
                        opts("d/dev1/up/size"), new byte[size]));
                assertThat(answer).as("answer to a %d-byte upload without Block1", size).isNotNull();
                assertThat(RawCoap.code(answer)).as("%d bytes", size).isEqualTo("2.04");
            }
        }
    }

    @Test
    void aPeerGetsAtMostFourConcurrentBlock1UploadsAndAFinishedOneFreesItsSlot() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port(), "127.0.0.2")) {
            authorize(raw, "dev1");
            for (int i = 0; i < 4; i++) {
                byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(10 + i),
                        opts("d/dev1/up/t" + i, block1(0, true, 0)), new byte[16]));
                assertThat(RawCoap.code(answer)).as("upload %d", i).isEqualTo("2.31");
            }
            byte[] fifth = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(20),
                    opts("d/dev1/up/t4", block1(0, true, 0)), new byte[16]));
            assertThat(RawCoap.code(fifth)).as("a fifth concurrent upload of the peer").isEqualTo("5.03");
            assertThat(RawCoap.uintOption(fifth, MAX_AGE)).as("Max-Age of the 5.03").isPositive();
            assertThat(RawCoap.payload(fifth)).isEmpty();

            byte[] last = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(21),
                    opts("d/dev1/up/t0", block1(1, false, 0)), new byte[5]));
            assertThat(RawCoap.code(last)).as("last block of upload 0").startsWith("2.");
            byte[] again = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(22),
                    opts("d/dev1/up/t4", block1(0, true, 0)), new byte[16]));
            assertThat(RawCoap.code(again)).as("an upload once another one finished").isEqualTo("2.31");
        }
    }

    @Test
    void theUploadBeyondTheGlobalBoundGets503WhateverItsPeer(@TempDir Path other) throws Exception {
        try (EdgeFixture small = new EdgeFixture(other,
                s -> s.toBuilder().maxBlockTransfers(2).maxBlockTransfersPerPeer(2).build());
             RawCoap a = new RawCoap(small.edge.port(), "127.0.0.4");
             RawCoap b = new RawCoap(small.edge.port(), "127.0.0.5")) {
            for (String path : List.of("authz-info", "token")) {
                byte[] answer = a.exchange(a.message(RawCoap.CON, RawCoap.POST, token(60),
                        opts(path, block1(0, true, 0)), new byte[16]));
                assertThat(RawCoap.code(answer)).as("upload of peer a to /%s", path).isEqualTo("2.31");
            }
            byte[] third = b.exchange(b.message(RawCoap.CON, RawCoap.POST, token(62),
                    opts("authz-info", block1(0, true, 0)), new byte[16]));
            assertThat(third).as("answer to a third upload (peer b), bound 2").isNotNull();
            assertThat(RawCoap.code(third)).as("a third upload (peer b), bound 2").isEqualTo("5.03");
        }
    }

    @Test
    void aTokenUploadLongerThanTheTokenLimitIsCutOffWith413() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port(), "127.0.0.3")) {
            for (int num = 0; num < 4; num++) {
                byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(70 + num),
                        opts("authz-info", block1(num, true, 6)), new byte[1024]));
                assertThat(RawCoap.code(answer)).as("block %d of 1 KiB", num).isEqualTo("2.31");
            }
            byte[] fifth = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(74),
                    opts("authz-info", block1(4, true, 6)), new byte[1024]));
            assertThat(RawCoap.code(fifth)).as("block 4: past the 4096-byte token limit").isEqualTo("4.13");
            assertThat(RawCoap.payload(fifth)).isEmpty();
        }
    }

    // ---- F7: Size1 that Californium would allocate --------------------------------------------------------------

    @Test
    void size1Of4GiBIsRefusedAsTooLargeAndNothingIsLoggedAtWarn() throws Exception {
        List<ILoggingEvent> logs;
        byte[][] answers;
        RawCoap.Opt size1 = new RawCoap.Opt(SIZE1, new byte[] {-1, -1, -1, -1});
        try (RawCoap raw = new RawCoap(f.edge.port(), "127.0.0.6")) {
            try (LogCapture capture = LogCapture.root()) {
                byte[] up = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(30),
                        opts("d/dev1/up/t", block1(0, true, 6), size1), new byte[1024]));
                byte[] authz = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(31),
                        opts("authz-info", block1(0, true, 6), size1), new byte[1024]));
                Thread.sleep(200); // a warning would be logged on the endpoint's thread
                answers = new byte[][] {up, authz};
                logs = capture.events();
            }
        }
        assertThat(answers[0]).as("answer to Size1 = 0xFFFFFFFF at /d/dev1/up/t").isNotNull();
        assertThat(RawCoap.type(answers[0])).as("type (2 = ACK, 3 = RST)").isEqualTo(2);
        assertThat(RawCoap.code(answers[0])).isEqualTo("4.13");
        assertThat(RawCoap.uintOption(answers[0], SIZE1)).as("Size1 of the 4.13: the payload limit").isEqualTo(65536);
        assertThat(RawCoap.payload(answers[0])).isEmpty();
        assertThat(answers[1]).as("answer to Size1 = 0xFFFFFFFF at /authz-info").isNotNull();
        assertThat(RawCoap.type(answers[1])).as("type (2 = ACK, 3 = RST)").isEqualTo(2);
        assertThat(RawCoap.code(answers[1])).as("as an oversized token").isEqualTo("4.00");
        assertThat(new String(RawCoap.payload(answers[1]), StandardCharsets.UTF_8)).contains("oversized");
        assertThat(logs).as("log lines at WARN or above").filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .isEmpty();
    }

    @Test
    void size1AboveTheTokenLimitAtAuthzInfoIsRefusedBeforeAnyBlockIsKept() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port(), "127.0.0.7")) {
            byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(32),
                    opts("authz-info", block1(0, true, 0), new RawCoap.Opt(SIZE1, new byte[] {0x13, (byte) 0x88})),
                    new byte[16]));
            assertThat(RawCoap.code(answer)).as("Size1 5000 at /authz-info, token limit 4096").isEqualTo("4.00");
            assertThat(new String(RawCoap.payload(answer), StandardCharsets.UTF_8)).contains("oversized");
        }
    }

    // ---- F3: amplification ---------------------------------------------------------------------------------------

    @Test
    void getRootAnswersNoMoreThanItWasAsked() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            raw.timeout(500);
            byte[] request = raw.message(RawCoap.NON, RawCoap.GET, new byte[0], List.of(), null);
            assertThat(request).hasSize(4);
            byte[] answer = raw.exchange(request);
            if (answer != null) {
                assertThat(answer.length).as("answer to a 4-byte GET /").isLessThanOrEqualTo(request.length);
            }
            byte[] con = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, token(40), List.of(), null));
            assertThat(con).isNotNull();
            assertThat(RawCoap.payload(con)).as("payload of CON GET /").isEmpty();
        }
    }

    @Test
    void discoveryAnswersAtMostTwiceWhatItWasAsked() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            byte[] request = raw.message(RawCoap.CON, RawCoap.GET, token(42), RawCoap.path(".well-known/core"), null);
            byte[] answer = raw.exchange(request);
            assertThat(RawCoap.code(answer)).isEqualTo("2.05");
            assertThat(answer.length).as("answer to %d-byte GET /.well-known/core: %s", request.length,
                    new String(RawCoap.payload(answer), StandardCharsets.UTF_8)).isLessThanOrEqualTo(2 * request.length);
        }
    }

    @Test
    void malformedRequestsGetNoDiagnosticPayload() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            byte[] deltaNibble15 = {0x41, 0x01, 0x12, 0x34, 0x01, (byte) 0xf1, 'A'};
            byte[] a = raw.exchange(deltaNibble15);
            assertThat(a).as("answer to option delta nibble 15").isNotNull();
            assertThat(RawCoap.payload(a)).as("payload of the answer to option delta nibble 15").isEmpty();
            assertThat(a.length).isLessThanOrEqualTo(deltaNibble15.length);

            byte[] marker = raw.message(RawCoap.CON, RawCoap.GET, token(41), RawCoap.path("authz-info"), null);
            byte[] withMarker = java.util.Arrays.copyOf(marker, marker.length + 1);
            withMarker[marker.length] = (byte) 0xff;
            byte[] b = raw.exchange(withMarker);
            assertThat(b).as("answer to a payload marker without payload").isNotNull();
            assertThat(RawCoap.payload(b)).as("payload of the answer to a payload marker without payload").isEmpty();
        }
    }

    // ---- F9: options the edge does not implement -------------------------------------------------------------------

    @Test
    void anOscoreOptionIsABadOption() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, token(50),
                    opts("authz-info", RawCoap.Opt.of(9, "x")), "garbage".getBytes(StandardCharsets.US_ASCII)));
            assertThat(RawCoap.code(answer)).as("request with an OSCORE option (9)").isEqualTo("4.02");
            byte[] unknown = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, token(53),
                    opts("authz-info", RawCoap.Opt.of(2049, "x")), null));
            assertThat(RawCoap.type(unknown)).as("an unrecognized critical option is no format error: ACK").isEqualTo(2);
            assertThat(RawCoap.code(unknown)).as("request with an unrecognized critical option (2049)").isEqualTo("4.02");
            assertThat(RawCoap.payload(unknown)).isEmpty();
        }
    }

    @Test
    void proxyRequestsAreAnswered505() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            byte[] scheme = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, token(51),
                    opts("authz-info", RawCoap.Opt.of(39, "http")), null));
            assertThat(RawCoap.code(scheme)).as("Proxy-Scheme").isEqualTo("5.05");
            byte[] uri = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, token(52),
                    List.of(RawCoap.Opt.of(35, "coap://127.0.0.1:5683/")), null));
            assertThat(RawCoap.code(uri)).as("Proxy-Uri").isEqualTo("5.05");
        }
    }

    @Test
    void messageFormatErrorsInAConAreRejectedWithReset() throws Exception {
        try (RawCoap raw = new RawCoap(f.edge.port())) {
            byte[] tokenLength9 = {0x49, 0x01, 0x12, 0x35, 1, 2, 3, 4, 5, 6, 7, 8, 9};
            byte[] deltaNibble15 = {0x41, 0x01, 0x12, 0x36, 0x01, (byte) 0xf1, 'A'};
            byte[] marker = raw.message(RawCoap.CON, RawCoap.GET, token(43), RawCoap.path("authz-info"), null);
            byte[] markerOnly = java.util.Arrays.copyOf(marker, marker.length + 1);
            markerOnly[marker.length] = (byte) 0xff;
            for (byte[] request : List.of(tokenLength9, deltaNibble15, markerOnly)) {
                byte[] answer = raw.exchange(request);
                assertThat(answer).as("answer to %s", java.util.HexFormat.of().formatHex(request)).isNotNull();
                assertThat(RawCoap.type(answer)).as("type of the answer (3 = RST)").isEqualTo(3);
                assertThat(answer).as("an empty RST with the request's message id").hasSize(4)
                        .startsWith((byte) 0x70, (byte) 0, request[2], request[3]);
            }
        }
    }

    // ---- F10: what the deduplicator keeps per new source --------------------------------------------------------

    @Test
    void requestsBeyondTheDedupBoundAreProcessedButNotRemembered(@TempDir Path other) throws Exception {
        try (EdgeFixture small = new EdgeFixture(other, s -> s.toBuilder().maxDedupExchanges(8).build())) { // 4 per listener
            List<RawCoap> peers = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    peers.add(new RawCoap(small.edge.port(), "127.0.1." + (i + 1)));
                }
                byte[] fifth = null;
                for (int i = 0; i < 5; i++) { // one request from each of 5 new peers: the plain listener keeps 4
                    RawCoap p = peers.get(i);
                    byte[] request = p.message(RawCoap.CON, RawCoap.POST, token(80 + i), RawCoap.path("d/dev1/up/t"),
                            new byte[] {1});
                    assertThat(RawCoap.code(p.exchange(request))).isEqualTo("4.01");
                    fifth = request;
                }
                long before = small.audit.stream().filter(a -> a.startsWith("coap.refused")).count();
                peers.get(0).exchange(peers.get(0).message(RawCoap.CON, RawCoap.POST, token(80),
                        RawCoap.path("d/dev1/up/t"), new byte[] {1})); // a new MID: processed
                byte[] again = peers.get(4).exchange(fifth); // the same datagram again: not remembered
                assertThat(again).isNotNull();
                assertThat(RawCoap.code(again)).isEqualTo("4.01");
                long after = small.audit.stream().filter(a -> a.startsWith("coap.refused")).count();
                assertThat(after - before).as("requests processed (audited) of the two, the second a retransmission"
                        + " of a request the full deduplicator did not keep").isEqualTo(2);
            } finally {
                peers.forEach(RawCoap::close);
            }
        }
    }

}
