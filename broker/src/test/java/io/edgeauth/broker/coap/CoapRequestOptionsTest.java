package io.edgeauth.broker.coap;

import static io.edgeauth.broker.coap.CoapMessageConformanceTest.block1;
import static io.edgeauth.broker.coap.CoapMessageConformanceTest.bytes;
import static io.edgeauth.broker.coap.CoapMessageConformanceTest.opt;
import static io.edgeauth.broker.coap.CoapMessageConformanceTest.opts;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request options the edge's resources must honour or refuse (tour R: R6, R7, R8, R14, R15), by raw datagrams from
 * an authorized socket.
 */
class CoapRequestOptionsTest {
    private static final int IF_MATCH = 1;
    private static final int IF_NONE_MATCH = 5;
    private static final int OBSERVE = 6;
    private static final int URI_PATH = 11;
    private static final int MAX_AGE = 14;
    private static final int ACCEPT = 17;
    private static final int SIZE1 = 60;

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

    private static RawCoap authorized(String address) throws Exception {
        return authorized(address, "dev1");
    }

    private static RawCoap authorized(String address, String device) throws Exception {
        RawCoap raw = new RawCoap(f.edge.port(), address);
        byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {1},
                opts("authz-info", opt(12, 61)), f.token(device)));
        assertThat(RawCoap.code(answer)).as("token upload").isEqualTo("2.01");
        return raw;
    }

    private static int publishedTo(String topic) {
        return f.messaging.published("default", topic).size();
    }

    /** R6: a body that outgrows the limit block by block gets 4.13 with the limit as Size1 (RFC 7959 §2.9.3). */
    @Test
    void aBodyThatOutgrowsTheLimitGets413WithSize1() throws Exception {
        try (RawCoap raw = authorized("127.0.0.21")) {
            byte[] answer = null;
            for (int num = 0; num <= 64; num++) {
                int value = num << 4 | 8 | 6; // 1024-byte blocks, more to come
                RawCoap.Opt block = num < 16 ? opt(27, value) : opt(27, value >> 8, value & 0xff);
                answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {2, (byte) num},
                        opts("d/dev1/up/grow", block), new byte[1024]));
                if (!RawCoap.code(answer).equals("2.31")) {
                    break;
                }
            }
            assertThat(RawCoap.code(answer)).isEqualTo("4.13");
            assertThat(RawCoap.uintOption(answer, SIZE1)).as("Size1").isEqualTo(65_536);
        }
    }

    /** R7: an Accept the command resource cannot serve gets 4.06 and sets no relation up (RFC 7252 §5.10.4). */
    @Test
    void anAcceptTheCommandResourceCannotServeGets406() throws Exception {
        try (RawCoap raw = authorized("127.0.0.22")) {
            byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {(byte) 0xb2},
                    opts("d/dev1/down", opt(OBSERVE), opt(ACCEPT, 50)), null));
            assertThat(RawCoap.code(answer)).isEqualTo("4.06");
            assertThat(f.edge.observerCount()).as("relations of dev2 (the 4.29 test) aside").isLessThanOrEqualTo(
                    CoapSettings.defaults().maxObservationsPerPrincipal());
            int before = f.edge.observerCount();
            raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {(byte) 0xb4},
                    opts("d/dev1/down", opt(OBSERVE), opt(ACCEPT, 50)), null));
            assertThat(f.edge.observerCount()).as("no relation set up").isEqualTo(before);
            byte[] octets = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {(byte) 0xb3},
                    opts("d/dev1/down", opt(ACCEPT, 42)), null));
            assertThat(RawCoap.code(octets)).as("application/octet-stream").isEqualTo("2.05");
        }
    }

    /** R8: the 4.29 for the Observe-relation cap does not ask for a retry within a second. */
    @Test
    void the429ForTooManyRelationsAsksForARetryNoSoonerThanARelationMayEnd() throws Exception {
        try (RawCoap raw = authorized("127.0.0.23", "dev2")) { // its own principal: the cap is per principal
            byte[] answer = null;
            for (int i = 0; i <= CoapSettings.defaults().maxObservationsPerPrincipal(); i++) {
                answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {3, (byte) i},
                        opts("d/dev2/down", opt(OBSERVE)), null));
            }
            assertThat(RawCoap.code(answer)).isEqualTo("4.29");
            long maxAge = RawCoap.uintOption(answer, MAX_AGE);
            assertThat(maxAge == -1 || maxAge >= 60).as("Max-Age %d", maxAge).isTrue();
            for (int i = 0; i <= CoapSettings.defaults().maxObservationsPerPrincipal(); i++) { // deregister
                raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {3, (byte) i},
                        opts("d/dev2/down", opt(OBSERVE, 1)), null));
            }
        }
    }

    /** R14: no resource here has an ETag, so If-Match never matches; If-None-Match fails on what exists (4.12). */
    @Test
    void conditionalRequestsArePreconditionFailedAndNotPerformed() throws Exception {
        try (RawCoap raw = authorized("127.0.0.24")) {
            byte[] ifMatch = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {4},
                    opts("d/dev1/up/im", opt(IF_MATCH, 1, 2)), bytes("cond")));
            assertThat(RawCoap.code(ifMatch)).as("If-Match").isEqualTo("4.12");
            assertThat(publishedTo("d/dev1/up/im")).isZero();
            byte[] ifNoneMatch = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {5},
                    opts("d/dev1/down", opt(IF_NONE_MATCH)), null));
            assertThat(RawCoap.code(ifNoneMatch)).as("If-None-Match on the command resource").isEqualTo("4.12");
            byte[] missing = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, new byte[] {6},
                    opts("nothing/here", opt(IF_NONE_MATCH)), null));
            assertThat(RawCoap.code(missing)).as("If-None-Match where nothing exists").isEqualTo("4.04");
        }
    }

    /** R15: a Uri-Path segment that is not UTF-8 is malformed, not published under U+FFFD. */
    @Test
    void aUriPathThatIsNotUtf8IsMalformedAndNothingIsPublished() throws Exception {
        try (RawCoap raw = authorized("127.0.0.25")) {
            List<RawCoap.Opt> o = opts("d/dev1/up");
            o.add(opt(URI_PATH, 0xff, 0xfe));
            byte[] answer = raw.exchange(raw.message(RawCoap.CON, RawCoap.POST, new byte[] {7}, o, bytes("x")));
            assertThat(RawCoap.code(answer)).isEqualTo("4.00");
            assertThat(publishedTo("d/dev1/up/\uFFFD\uFFFD")).isZero();
            assertThat(f.messaging.published()).noneMatch(p -> p.topic().contains("\uFFFD"));
        }
    }

    /**
     * R4 (RFC 7641 §4.4, §3.4): a re-registration with the same token continues the observation, so its answer and
     * the notifications after it carry Observe numbers above those before it, not a sequence started again.
     */
    @Test
    void aReRegistrationContinuesTheObserveSequence() throws Exception {
        try (RawCoap raw = authorized("127.0.0.26", "rpk1")) {
            byte[] token = {(byte) 0xb1};
            byte[] registered = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, token,
                    opts("d/rpk1/down", opt(OBSERVE)), null));
            assertThat(RawCoap.code(registered)).isEqualTo("2.05");
            long last = -1;
            for (int i = 0; i < 3; i++) {
                f.messaging.publish("default", "d/rpk1/down", bytes("c" + i), null, null);
                byte[] n = raw.receive();
                assertThat(n).as("notification %d", i).isNotNull();
                raw.send(new byte[] {0x60, 0, n[2], n[3]});
                last = RawCoap.uintOption(n, OBSERVE);
            }
            byte[] again = raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, token,
                    opts("d/rpk1/down", opt(OBSERVE)), null));
            assertThat(RawCoap.code(again)).isEqualTo("2.05");
            assertThat(RawCoap.uintOption(again, OBSERVE)).as("the re-registration's answer after %d", last)
                    .isGreaterThan(last);
            f.messaging.publish("default", "d/rpk1/down", bytes("c3"), null, null);
            long previous = RawCoap.uintOption(again, OBSERVE);
            String text = "";
            while (!text.equals("c3")) { // c2 may come again first: its ACK may have raced the re-registration
                byte[] next = raw.receive();
                assertThat(next).as("a notification after the re-registration").isNotNull();
                raw.send(new byte[] {0x60, 0, next[2], next[3]});
                text = new String(RawCoap.payload(next), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(RawCoap.uintOption(next, OBSERVE)).as("notification %s after %d", text, previous)
                        .isGreaterThan(previous);
                previous = RawCoap.uintOption(next, OBSERVE);
            }
            raw.exchange(raw.message(RawCoap.CON, RawCoap.GET, token, opts("d/rpk1/down", opt(OBSERVE, 1)), null));
        }
    }
}
