package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.revocation.Revocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CoAP edge end to end with Californium clients over plain CoAP and DTLS (PSK, RPK, X.509). */
class CoapEdgeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private EdgeFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new EdgeFixture(dir);
    }

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    static CoapResponse upload(CoapClient client, byte[] token) throws Exception {
        client.setURI(client.getURI().replaceFirst("(coaps?://[^/]+).*", "$1/authz-info"));
        return client.post(token, MediaTypeRegistry.APPLICATION_CWT);
    }

    static CoapResponse post(CoapClient client, String path, String payload) throws Exception {
        client.setURI(client.getURI().replaceFirst("(coaps?://[^/]+).*", "$1" + path));
        return client.post(payload, MediaTypeRegistry.TEXT_PLAIN);
    }

    static CBORObject aceError(CoapResponse r) {
        assertThat(r.getOptions().getContentFormat()).isEqualTo(MediaTypeRegistry.APPLICATION_ACE_CBOR);
        return CBORObject.DecodeFromBytes(r.getPayload());
    }

    static String description(CoapResponse r) {
        return aceError(r).get(CBORObject.FromObject(CoapCodes.ACE_ERROR_DESCRIPTION)).AsString();
    }

    @Test
    void plainCoapUploadThenTelemetryReachesTheRouter() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        assertThat(upload(c, f.token("dev1")).getCode()).isEqualTo(ResponseCode.CREATED);
        CoapResponse r = post(c, "/d/dev1/up/temp", "21.5");
        assertThat(r.getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(f.messaging.published("default", "d/dev1/up/temp")).singleElement()
                .satisfies(p -> assertThat(p.text()).isEqualTo("21.5"));
        assertThat(f.edge.sessionCount()).isEqualTo(1);
        assertThat(f.meters.find("edgeauth.coap.responses").tag("code", "2.01").counter().count()).isEqualTo(1);
        assertThat(f.meters.find("edgeauth.coap.sessions").gauge().value()).isEqualTo(1.0);
        assertThat(f.meters.find("edgeauth.coap.authz.latency").timer().count()).isEqualTo(1);
    }

    @Test
    void aTokenUploadedAsAnotherMediaTypeIsRefusedAndABadTopicPathIsTheRequestsFault() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        CoapResponse json = c.post(f.token("dev1"), MediaTypeRegistry.APPLICATION_JSON);
        assertThat(json.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(description(json)).startsWith("malformed: content-format 50");
        assertThat(upload(c, f.token("dev1")).getCode()).isEqualTo(ResponseCode.CREATED);
        CoapResponse badPath = post(c, "/d/dev1/up/%23", "x");
        assertThat(badPath.getCode()).as("4.01 would send a device to upload its token again").isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(description(badPath)).startsWith("malformed");
        for (String control : List.of("/d/dev1/up/a%00b", "/d/dev1/up/a%0Ab", "/d/dev1/up/a%1Bb")) {
            CoapResponse refused = post(c, control, "x");
            assertThat(refused.getCode()).as(control + ": a topic MQTT subscribers cannot take")
                    .isEqualTo(ResponseCode.BAD_REQUEST);
        }
        assertThat(f.messaging.published("default", "d/dev1/up/a\u0000b")).isEmpty();
    }

    @Test
    void deviceRegisteredByCertificateNeedsNoCnfInItsToken() throws Exception {
        TestPki.Issued cert = f.pki.client("certdev");
        f.registry.register(new io.edgeauth.broker.registry.Device("certdev", "default",
                new io.edgeauth.broker.registry.Device.Credential(
                        io.edgeauth.broker.registry.Device.CredentialType.X5T_S256,
                        PeerIdentity.certThumbprint(cert.cert())), List.of(), null, null, f.clock.instant()));
        CoapClient c = f.x509Client(cert, "/authz-info");
        assertThat(upload(c, f.token("certdev")).getCode()).isEqualTo(ResponseCode.CREATED);
        // another valid certificate of the same CA is not the registered one
        CoapClient other = f.x509Client(f.pki.client("certdev"), "/authz-info");
        CoapResponse r = upload(other, f.token("certdev"));
        assertThat(r.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(description(r)).startsWith("binding_mismatch");
    }

    @Test
    void telemetryWithoutTokenIsUnauthorizedWithAceError() throws Exception {
        CoapResponse r = post(f.plainClient("/"), "/d/dev1/up/temp", "1");
        assertThat(r.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(aceError(r).get(CBORObject.FromObject(CoapCodes.ACE_ERROR)).AsInt32()).isEqualTo(2);
        assertThat(f.audit).contains("coap.refused expired");
        assertThat(f.messaging.published()).isEmpty();
    }

    @Test
    void pskDeviceUploadsAndPublishes() throws Exception {
        CoapClient c = f.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"), "/authz-info");
        assertThat(upload(c, f.token("dev1")).getCode()).isEqualTo(ResponseCode.CREATED);
        assertThat(post(c, "/d/dev1/up/a/b", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(f.messaging.published("default", "d/dev1/up/a/b")).hasSize(1);
    }

    @Test
    void pskIdentityMustBeTheTokenSubject() throws Exception {
        CoapClient c = f.pskClient("dev2", DerivedPskStore.derive(EdgeFixture.MASTER, "dev2"), "/authz-info");
        CoapResponse r = upload(c, f.token("dev1"));
        assertThat(r.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(description(r)).startsWith("binding_mismatch");
        assertThat(post(c, "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
    }

    @Test
    void wrongPskFailsTheHandshake() {
        CoapClient c = f.pskClient("dev1", DerivedPskStore.derive("another-master-secret!!".getBytes(), "dev1"),
                "/authz-info");
        c.setTimeout(3000L);
        CoapResponse r;
        try {
            r = upload(c, f.token("dev1"));
        } catch (Exception e) {
            r = null;
        }
        assertThat(r).isNull();
        assertThat(f.edge.sessionCount()).isZero();
    }

    @Test
    void rawPublicKeyIsBoundThroughJkt() throws Exception {
        KeyPair keys = TestPki.ecKeyPair();
        String jkt = PeerIdentity.jwkThumbprint(keys.getPublic());
        CoapClient c = f.rpkClient(keys, "/authz-info");
        CoapResponse wrong = upload(c, TestTokens.token("rpk1", f.in(Duration.ofMinutes(5))).jkt("other").bytes());
        assertThat(wrong.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        CoapResponse ok = upload(c, TestTokens.token("rpk1", f.in(Duration.ofMinutes(5))).jkt(jkt).bytes());
        assertThat(ok.getCode()).isEqualTo(ResponseCode.CREATED);
        assertThat(post(c, "/d/rpk1/up/t", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
    }

    @Test
    void x509ClientIsBoundThroughX5t() throws Exception {
        TestPki.Issued cert = f.pki.client("x509dev");
        String x5t = PeerIdentity.certThumbprint(cert.cert());
        CoapClient c = f.x509Client(cert, "/authz-info");
        CoapResponse wrong = upload(c, TestTokens.token("x509dev", f.in(Duration.ofMinutes(5))).x5t("nope").bytes());
        assertThat(wrong.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        CoapResponse ok = upload(c, TestTokens.token("x509dev", f.in(Duration.ofMinutes(5))).x5t(x5t).bytes());
        assertThat(ok.getCode()).isEqualTo(ResponseCode.CREATED);
        assertThat(post(c, "/d/x509dev/up/t", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
    }

    @Test
    void aKeyBoundTokenIsRefusedOverACertificateForAnotherKey() throws Exception {
        // issue 10 hole 17: device A's token (cnf jkt = A's key) on a DTLS session that proved B's certificate
        TestPki.Issued deviceB = f.pki.client("x509dev");
        String keyOfA = PeerIdentity.jwkThumbprint(f.pki.client("dev1").keys().getPublic());
        CoapClient c = f.x509Client(deviceB, "/authz-info");
        CoapResponse stolen = upload(c, TestTokens.token("x509dev", f.in(Duration.ofMinutes(5))).jkt(keyOfA).bytes());
        assertThat(stolen.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(post(c, "/d/x509dev/up/t", "x").getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        String keyOfB = PeerIdentity.jwkThumbprint(deviceB.keys().getPublic());
        CoapResponse own = upload(c, TestTokens.token("x509dev", f.in(Duration.ofMinutes(5))).jkt(keyOfB).bytes());
        assertThat(own.getCode()).as("the key the certificate proves").isEqualTo(ResponseCode.CREATED);
    }

    @Test
    void expiredTokenIsRefusedAndExpiryEndsAuthorization() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        CoapResponse r = upload(c, TestTokens.token("dev1", f.in(Duration.ofSeconds(-1))).bytes());
        assertThat(r.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED); // RFC 9200 §5.10.1.1 (issue 10, hole 18)
        assertThat(description(r)).startsWith("expired");

        assertThat(upload(c, TestTokens.token("dev1", f.in(Duration.ofSeconds(60))).bytes()).getCode())
                .isEqualTo(ResponseCode.CREATED);
        assertThat(post(c, "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
        f.clock.advance(Duration.ofSeconds(61));
        assertThat(post(c, "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
    }

    @Test
    void malformedAndOversizedTokensAreBadRequests() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        CoapResponse garbage = c.post(new byte[] {(byte) 0xff, 0x00, 0x13}, MediaTypeRegistry.APPLICATION_CWT);
        assertThat(garbage.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(description(garbage)).startsWith("malformed");

        CoapResponse badCbor = c.post(new byte[] {(byte) 0xbf, 0x61}, MediaTypeRegistry.APPLICATION_ACE_CBOR);
        assertThat(badCbor.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(description(badCbor)).startsWith("malformed");

        CoapResponse empty = c.post(new byte[0], MediaTypeRegistry.APPLICATION_CWT);
        assertThat(empty.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);

        CoapResponse big = c.post(new byte[5000], MediaTypeRegistry.APPLICATION_CWT); // block-wise upload
        assertThat(big.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(description(big)).startsWith("oversized");
        assertThat(f.audit).contains("coap.refused oversized", "coap.refused malformed");
    }

    @Test
    void aceCborWrappedTokenIsAccepted() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        CBORObject map = CBORObject.NewMap().Add(1, f.token("dev1"));
        assertThat(c.post(map.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR).getCode())
                .isEqualTo(ResponseCode.CREATED);
        CBORObject bstr = CBORObject.FromObject(f.token("dev1"));
        assertThat(c.post(bstr.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR).getCode())
                .isEqualTo(ResponseCode.CREATED);
    }

    @Test
    void otherDevicesTopicsAreForbidden() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev1"));
        CoapResponse r = post(c, "/d/dev2/up/t", "x");
        assertThat(r.getCode()).isEqualTo(ResponseCode.FORBIDDEN);
        assertThat(description(r)).startsWith("forbidden");
        assertThat(f.messaging.published()).isEmpty();
    }

    @Test
    void overTheRateIs429WithMaxAge() throws Exception {
        f.rateLimits.budget = 2;
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev1"));
        assertThat(post(c, "/d/dev1/up/t", "1").getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(post(c, "/d/dev1/up/t", "2").getCode()).isEqualTo(ResponseCode.CHANGED);
        CoapResponse r = post(c, "/d/dev1/up/t", "3");
        assertThat(r.getCode()).isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
        assertThat(r.getOptions().getMaxAge()).isEqualTo(7L);
        assertThat(f.messaging.published()).hasSize(2);
    }

    @Test
    void reportedLocationMustBeInsideTheTokensCells() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, TestTokens.token("dev1", f.in(Duration.ofMinutes(5))).geo("u33d").bytes());
        assertThat(post(c, "/d/dev1/up/t?geo=u33dc1", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(f.messaging.published().get(0).geo()).isEqualTo("u33dc1");
        assertThat(post(c, "/d/dev1/up/t?geo=U33DC2", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(f.messaging.published().get(1).geo()).as("forwarded in lower case (Y8)").isEqualTo("u33dc2");
        CoapResponse r = post(c, "/d/dev1/up/t?geo=9q8yy", "x");
        assertThat(r.getCode()).isEqualTo(ResponseCode.FORBIDDEN);
        assertThat(description(r)).startsWith("location_outside_cells");
    }

    @Test
    void nonConfirmableTelemetryWorks() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev1"));
        c.useNONs();
        assertThat(post(c, "/d/dev1/up/t", "non").getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(f.messaging.published("default", "d/dev1/up/t")).hasSize(1);
    }

    @Test
    void bigTelemetryGoesBlockWise() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev1"));
        String big = "x".repeat(10_000);
        assertThat(post(c, "/d/dev1/up/blob", big).getCode()).isEqualTo(ResponseCode.CHANGED);
        assertThat(f.messaging.published().get(0).payload()).hasSize(10_000);
    }

    @Test
    void newUploadReplacesTheToken() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, TestTokens.token("dev1", f.in(Duration.ofMinutes(5))).jti("first").bytes());
        upload(c, TestTokens.token("dev1", f.in(Duration.ofMinutes(5))).jti("second").bytes());
        f.revocations.revoke(Revocation.Kind.JTI, "first", "test");
        f.edge.sessionCount();
        assertThat(post(c, "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.CHANGED);
        f.revocations.revoke(Revocation.Kind.JTI, "second", "test");
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(post(c, "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.UNAUTHORIZED));
    }

    /** Collects notifications and errors of an Observe relation. */
    static final class Notes implements CoapHandler {
        final List<CoapResponse> responses = new CopyOnWriteArrayList<>();
        volatile boolean error;

        @Override
        public void onLoad(CoapResponse response) {
            responses.add(response);
        }

        @Override
        public void onError() {
            error = true;
        }

        List<String> texts() {
            return responses.stream().filter(r -> r.getCode() == ResponseCode.CONTENT)
                    .map(CoapResponse::getResponseText).filter(s -> !s.isEmpty()).toList();
        }

        boolean sawCode(ResponseCode code) {
            return responses.stream().anyMatch(r -> r.getCode() == code);
        }
    }

    /** dev1 over DTLS-PSK: its token uploaded, its commands observed into {@code notes}. */
    private CoapObserveRelation observeAsDev1(Notes notes) throws Exception {
        CoapClient c = f.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"), "/authz-info");
        upload(c, f.token("dev1"));
        return observe(c, notes);
    }

    private CoapObserveRelation observe(CoapClient c, Notes notes) throws Exception {
        c.setURI(c.getURI().replaceFirst("(coaps?://[^/]+).*", "$1/d/dev1/down"));
        CoapObserveRelation rel = c.observeAndWait(notes);
        assertThat(rel.isCanceled()).isFalse();
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 1 && f.messaging.subscriberCount() == 1);
        return rel;
    }

    @Test
    void commandsAreObservedIncludingBlockWise() throws Exception {
        Notes notes = new Notes();
        CoapObserveRelation rel = observeAsDev1(notes);
        f.messaging.publish("default", "d/dev1/down", "reboot".getBytes(StandardCharsets.UTF_8), null, null);
        await().atMost(WAIT).until(() -> notes.texts().contains("reboot"));
        f.messaging.publish("other-tenant", "d/dev1/down", "not-mine".getBytes(StandardCharsets.UTF_8), null, null);
        String big = "c".repeat(3000);
        f.messaging.publish("default", "d/dev1/down", big.getBytes(StandardCharsets.UTF_8), null, null);
        await().atMost(WAIT).until(() -> notes.texts().contains(big));
        assertThat(notes.texts()).doesNotContain("not-mine");
        rel.proactiveCancel();
        // the relation ends; its subscription waits coap.commandRetention for the device's next registration
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 0 && parked() == 1);
        assertThat(f.messaging.subscriberCount()).isEqualTo(1);
        f.clock.advance(CoapSettings.DEFAULT_COMMAND_RETENTION.plusSeconds(1));
        await().atMost(WAIT).until(() -> f.messaging.subscriberCount() == 0 && parked() == 0);
        assertThat(f.meters.counter("edgeauth.coap.commands.dropped").count()).as("nothing was waiting").isZero();
    }

    private double parked() {
        return f.meters.get("edgeauth.coap.observers.parked").gauge().value();
    }

    @Test
    void aCommandPublishedWhileTheDeviceWasAwayReachesItsNextRegistration() throws Exception {
        CoapClient c = f.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"), "/authz-info");
        upload(c, f.token("dev1"));
        Notes before = new Notes();
        observe(c, before).proactiveCancel();
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 0);
        f.messaging.publish("default", "d/dev1/down/valve", bytes("while-away"), null, null);
        f.messaging.publish("default", "d/dev1/down", bytes("and-this"), null, null);

        Notes after = new Notes();
        CoapObserveRelation again = observe(c, after);
        await().atMost(WAIT).untilAsserted(() -> assertThat(after.texts()).containsExactly("while-away", "and-this"));
        assertThat(after.responses).filteredOn(r -> r.getResponseText().equals("while-away")).first()
                .satisfies(r -> assertThat(r.getOptions().getLocationPathString()).isEqualTo("d/dev1/down/valve"));
        assertThat(before.texts()).isEmpty();
        assertThat(parked()).isZero();
        assertThat(f.messaging.subscriberCount()).as("the parked subscription, taken over").isEqualTo(1);
        assertThat(f.messaging.subscribeCalls()).isEqualTo(1);
        again.proactiveCancel();
    }

    @Test
    void commandsParkedPastTheRetentionAreDroppedAndCounted() throws Exception {
        Notes notes = new Notes();
        observeAsDev1(notes).proactiveCancel();
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 0 && parked() == 1);
        f.messaging.publish("default", "d/dev1/down", bytes("too-late"), null, null);
        f.clock.advance(CoapSettings.DEFAULT_COMMAND_RETENTION.plusSeconds(1));
        await().atMost(WAIT).until(() -> f.messaging.subscriberCount() == 0 && parked() == 0);
        assertThat(f.meters.counter("edgeauth.coap.commands.dropped").count()).isEqualTo(1);

        Notes later = new Notes();
        CoapObserveRelation rel = observeAsDev1(later);
        f.messaging.publish("default", "d/dev1/down", bytes("fresh"), null, null);
        await().atMost(WAIT).until(() -> later.texts().contains("fresh"));
        assertThat(later.texts()).containsExactly("fresh");
        rel.proactiveCancel();
    }

    @Test
    void aRelationThatEndsBesideALiveOneOfTheSameDeviceParksNothing() throws Exception {
        // two peers of dev1 (plain CoAP: two source ports; over DTLS-PSK both would be the peer psk:dev1)
        CoapClient first = f.plainClient("/authz-info");
        upload(first, f.token("dev1"));
        CoapObserveRelation one = observe(first, new Notes());
        CoapClient other = f.plainClient("/authz-info");
        upload(other, f.token("dev1"));
        other.setURI(other.getURI().replaceFirst("(coaps?://[^/]+).*", "$1/d/dev1/down"));
        Notes second = new Notes();
        CoapObserveRelation two = other.observeAndWait(second);
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 2 && f.messaging.subscriberCount() == 2);
        one.proactiveCancel();
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 1 && f.messaging.subscriberCount() == 1);
        assertThat(parked()).as("the live relation gets the commands already").isZero();
        f.messaging.publish("default", "d/dev1/down", bytes("to-the-live-one"), null, null);
        await().atMost(WAIT).until(() -> second.texts().contains("to-the-live-one"));
        two.proactiveCancel();
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 0 && parked() == 1);
    }

    @Test
    void answersAndNotificationsCarryTheConfiguredMaxAgeAndTheClientRegistersAgainWhenItPasses() throws Exception {
        assertThat(CoapSettings.defaults().notificationMaxAge()).isEqualTo(Duration.ofSeconds(60));
        f.close();
        f = new EdgeFixture(java.nio.file.Files.createDirectories(dir.resolve("max-age")),
                s -> s.toBuilder().notificationMaxAge(Duration.ofSeconds(1)).build());
        Notes notes = new Notes();
        CoapObserveRelation rel = observeAsDev1(notes);
        assertThat(rel.getCurrentResponse().getOptions().getMaxAge()).isEqualTo(1L);
        f.messaging.publish("default", "d/dev1/down", bytes("cmd"), null, null);
        await().atMost(WAIT).until(() -> notes.texts().contains("cmd"));
        assertThat(notes.responses).filteredOn(r -> r.getResponseText().equals("cmd")).first()
                .satisfies(r -> assertThat(r.getOptions().getMaxAge()).isEqualTo(1L));
        int answers = notes.responses.size();
        // Californium's client registers again once Max-Age (plus its 2 s back-off) passes without a notification
        await().atMost(WAIT).until(() -> notes.responses.size() > answers);
        assertThat(notes.texts()).containsExactly("cmd");
        assertThat(f.edge.observerCount()).isEqualTo(1);
        assertThat(f.messaging.subscribeCalls()).isEqualTo(1);
        rel.proactiveCancel();
    }

    @Test
    void withoutRetentionARelationsSubscriptionEndsWithIt() throws Exception {
        f.close();
        f = new EdgeFixture(java.nio.file.Files.createDirectories(dir.resolve("no-retention")),
                s -> s.toBuilder().commandRetention(Duration.ZERO).build());
        Notes notes = new Notes();
        observeAsDev1(notes).proactiveCancel();
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 0 && f.messaging.subscriberCount() == 0);
        assertThat(parked()).isZero();
    }

    @Test
    void aBurstOfCommandsReachesTheObserverEveryOneInOrder() throws Exception {
        // Observe alone carries state: commands published faster than the device acknowledged replaced each other
        Notes notes = new Notes();
        CoapObserveRelation rel = observeAsDev1(notes);
        List<String> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sent.add("cmd-" + i);
            f.messaging.publish("default", i % 2 == 0 ? "d/dev1/down" : "d/dev1/down/sub", bytes("cmd-" + i), null, null);
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(notes.texts()).containsExactlyElementsOf(sent));
        assertThat(f.meters.counter("edgeauth.coap.commands.dropped").count()).isZero();
        rel.proactiveCancel();
    }

    @Test
    void aReRegistrationGetsNoCommandAgainAndTheNextOneStillArrives() throws Exception {
        // Californium re-registers when a notification's Max-Age runs out; the answer must not look like a command
        Notes notes = new Notes();
        CoapObserveRelation rel = observeAsDev1(notes);
        f.messaging.publish("default", "d/dev1/down", bytes("first"), null, null);
        await().atMost(WAIT).until(() -> notes.texts().contains("first"));
        int answers = notes.responses.size();
        rel.reregister();
        await().atMost(WAIT).until(() -> notes.responses.size() > answers);
        f.messaging.publish("default", "d/dev1/down", bytes("second"), null, null);
        await().atMost(WAIT).until(() -> notes.texts().contains("second"));
        assertThat(notes.texts()).containsExactly("first", "second");
        assertThat(f.edge.observerCount()).isEqualTo(1);
        assertThat(f.messaging.subscribeCalls()).as("the re-registration took the subscription over").isEqualTo(1);
        rel.proactiveCancel();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void observingDownDeliversTheWholeCommandSubtreeLikeMqtt() throws Exception {
        // issue 10 hole 18: an MQTT device gets d/dev1/down/reboot with d/dev1/down/#; a CoAP observer the same
        Notes notes = new Notes();
        CoapObserveRelation rel = observeAsDev1(notes);
        f.messaging.publish("default", "d/dev1/down/reboot", "now".getBytes(StandardCharsets.UTF_8), null, null);
        await().atMost(WAIT).until(() -> notes.texts().contains("now"));
        assertThat(notes.responses).filteredOn(r -> r.getResponseText().equals("now")).first()
                .satisfies(r -> assertThat(r.getOptions().getLocationPathString()).as("the command's topic")
                        .isEqualTo("d/dev1/down/reboot"));
        f.messaging.publish("default", "d/dev1/downstairs", "not-mine".getBytes(StandardCharsets.UTF_8), null, null);
        f.messaging.publish("default", "d/dev1/down", "last".getBytes(StandardCharsets.UTF_8), null, null);
        await().atMost(WAIT).until(() -> notes.texts().contains("last"));
        assertThat(notes.texts()).doesNotContain("not-mine");
        rel.proactiveCancel();
    }

    @Test
    void observingAnotherDevicesCommandsIsForbidden() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, f.token("dev2"));
        c.setURI(c.getURI().replaceFirst("(coaps?://[^/]+).*", "$1/d/dev1/down"));
        assertThat(c.get().getCode()).isEqualTo(ResponseCode.FORBIDDEN);
    }

    @Test
    void revocationDropsSessionAndCancelsObserveWithinOneSecond() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, TestTokens.token("dev1", f.in(Duration.ofMinutes(5))).jti("jti-r").bytes());
        Notes notes = new Notes();
        CoapObserveRelation rel = observe(c, notes);
        f.revocations.revoke(Revocation.Kind.JTI, "jti-r", "stolen");
        await().atMost(Duration.ofSeconds(1)).until(() -> f.edge.observerCount() == 0
                && f.messaging.subscriberCount() == 0 && f.edge.sessionCount() == 0);
        await().atMost(WAIT).until(() -> notes.sawCode(ResponseCode.UNAUTHORIZED) || rel.isCanceled());
        assertThat(post(c, "/d/dev1/up/t", "x").getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        assertThat(f.meters.find("edgeauth.coap.sessions.revoked").counter().count()).isEqualTo(1);
    }

    @Test
    void expiryCancelsObserveRelations() throws Exception {
        CoapClient c = f.plainClient("/authz-info");
        upload(c, TestTokens.token("dev1", f.in(Duration.ofSeconds(30))).bytes());
        Notes notes = new Notes();
        observe(c, notes);
        f.clock.advance(Duration.ofSeconds(31));
        await().atMost(WAIT).until(() -> f.edge.observerCount() == 0 && f.messaging.subscriberCount() == 0);
        await().atMost(WAIT).until(() -> notes.sawCode(ResponseCode.UNAUTHORIZED));
    }
}
