package io.edgeauth.broker.coap;

import static io.edgeauth.broker.coap.CoapEdgeTest.post;
import static io.edgeauth.broker.coap.CoapEdgeTest.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 hole 16 (CoAP): one principal's token once bound 100 source ports and one peer held 300 Observe
 * relations; with {@code coap.maxSessions} evicting, one principal could push every other device out. Each
 * principal now holds at most {@code coap.maxPeersPerPrincipal} bound peers (a new one ends its own oldest)
 * and {@code coap.maxObservationsPerPrincipal} Observe relations (one more is refused with 4.29).
 */
class CoapPrincipalLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private EdgeFixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aNewPeerOfAPrincipalEndsItsOwnOldestPeerNeverAnotherDevice() throws Exception {
        // room for exactly dev2 and two of dev1's peers: the store itself never has to evict
        f = new EdgeFixture(dir, s -> s.withLimits(3, 64 * 1024, 4096).withPrincipalLimits(2, 16));
        CoapClient other = f.plainClient("/authz-info");
        assertThat(upload(other, f.token("dev2")).getCode()).isEqualTo(ResponseCode.CREATED);
        List<CoapClient> ports = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // one token, six source ports
            CoapClient c = f.plainClient("/authz-info");
            assertThat(upload(c, f.token("dev1")).getCode()).isEqualTo(ResponseCode.CREATED);
            ports.add(c);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(post(ports.get(i), "/d/dev1/up/t", "x").getCode()).as("dev1's peer %d", i)
                    .isEqualTo(ResponseCode.UNAUTHORIZED);
        }
        assertThat(post(ports.get(4), "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(post(ports.get(5), "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(post(other, "/d/dev2/up/t", "x").getCode()).as("the other device").isEqualTo(ResponseCode.CHANGED);
        assertThat(f.edge.sessionCount()).isEqualTo(3);
    }

    @Test
    void onePrincipalHoldsAtMostTheConfiguredObserveRelations() throws Exception {
        f = new EdgeFixture(dir, s -> s.withPrincipalLimits(8, 2));
        List<CoapObserveRelation> relations = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            relations.add(observe("dev1", new CoapEdgeTest.Notes()));
        }
        int held = 2;
        await().atMost(WAIT).until(() -> f.edge.observerCount() == held);

        CoapClient third = f.plainClient("/authz-info");
        assertThat(upload(third, f.token("dev1")).getCode()).isEqualTo(ResponseCode.CREATED);
        Request register = Request.newGet();
        register.setURI(f.coap("/d/dev1/down"));
        register.setObserve();
        CoapResponse refused = third.advanced(register);
        assertThat(refused.getCode()).isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
        assertThat(f.edge.observerCount()).isEqualTo(2);

        // another principal is not limited by dev1's relations
        CoapObserveRelation other = observe("dev2", new CoapEdgeTest.Notes());
        assertThat(other.getCurrentResponse().getCode()).isEqualTo(ResponseCode.CONTENT);
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 3);

        // a relation that ends frees its place
        relations.get(0).proactiveCancel();
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 2);
        CoapObserveRelation again = observe("dev1", new CoapEdgeTest.Notes());
        assertThat(again.getCurrentResponse().getCode()).isEqualTo(ResponseCode.CONTENT);
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 3);
    }

    @Test
    void aRegistrationWhoseSubscriptionFailedFreesItsPlace() throws Exception {
        f = new EdgeFixture(dir, s -> s.withPrincipalLimits(8, 1));
        f.messaging.failNextSubscribe();
        CoapClient c = f.plainClient("/authz-info");
        assertThat(upload(c, f.token("dev1")).getCode()).isEqualTo(ResponseCode.CREATED);
        Request register = Request.newGet();
        register.setURI(f.coap("/d/dev1/down"));
        register.setObserve();
        assertThat(c.advanced(register).getCode()).isEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
        assertThat(f.edge.observerCount()).isZero();

        CoapObserveRelation again = observe("dev1", new CoapEdgeTest.Notes());
        assertThat(again.getCurrentResponse().getCode()).as("the failed one holds no place").isEqualTo(ResponseCode.CONTENT);
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 1 && f.messaging.subscriberCount() == 1);
        again.proactiveCancel();
    }

    /** A new peer (its own source port) of {@code device} uploads its token and observes its commands. */
    private CoapObserveRelation observe(String device, CoapEdgeTest.Notes notes) throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        assertThat(upload(c, f.token(device)).getCode()).isEqualTo(ResponseCode.CREATED);
        c.setURI(c.getURI().replaceFirst("(coaps?://[^/]+).*", "$1/d/" + device + "/down"));
        return c.observeAndWait(notes);
    }
}
