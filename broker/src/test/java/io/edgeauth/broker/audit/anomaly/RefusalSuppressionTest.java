package io.edgeauth.broker.audit.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Tour O, F15: a flood of refusals from one source wrote one audit line each. Past the burst threshold within the
 * window, refusals from that source are no longer written one by one; one summary per window counts them. Accepted
 * authentications and admin changes pass whatever the source did.
 */
class RefusalSuppressionTest {
    private record Line(String event, String outcome, Map<String, ?> fields) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final AuditLog sink = (event, outcome, fields) -> lines.add(new Line(event, outcome, fields));
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T04:00:00Z"));
    private final AnomalyWatch watch = new AnomalyWatch(sink, null, new RefusalBursts(3, Duration.ofMinutes(1), 100), clock);

    private long count(String event) {
        return lines.stream().filter(l -> l.event().equals(event)).count();
    }

    @Test
    void refusalsPastTheBurstAreSummarisedOncePerWindow() {
        for (int i = 0; i < 50; i++) {
            watch.record("coap.refused", "expired", Map.of("peer", "udp:10.0.0.9:" + (4000 + i)));
        }
        watch.record("auth.refused", "malformed", Map.of("remote", "/10.0.0.8:5000")); // another source: written
        assertThat(count("coap.refused")).as("up to the burst, then suppressed").isEqualTo(3);
        assertThat(count("anomaly.refusal_burst")).isEqualTo(1);
        assertThat(count("auth.refused")).isEqualTo(1);
        // accepted authentications and admin changes from the flooding source are never suppressed
        watch.record("auth.accepted", "ok", Map.of("remote", "/10.0.0.9:7000", "sub", "pump-1"));
        watch.record("revocation.created", "ok", Map.of("remote", "10.0.0.9", "sub", "pump-2"));
        assertThat(count("auth.accepted")).isEqualTo(1);
        assertThat(count("revocation.created")).isEqualTo(1);
        assertThat(count("anomaly.refusals_suppressed")).as("not before the window ends").isZero();

        clock.advance(Duration.ofSeconds(61));
        watch.record("auth.accepted", "ok", Map.of("remote", "/10.0.0.7:7000", "sub", "pump-3")); // any event
        assertThat(count("anomaly.refusals_suppressed")).isEqualTo(1);
        Line summary = lines.stream().filter(l -> l.event().equals("anomaly.refusals_suppressed")).findFirst().orElseThrow();
        assertThat(Map.<String, Object>copyOf(summary.fields())).containsEntry("source", "10.0.0.9").containsEntry("suppressed", 47)
                .containsEntry("window_start", "2026-12-07T04:00:00Z").containsEntry("last_event", "coap.refused");

        watch.record("coap.refused", "expired", Map.of("peer", "udp:10.0.0.9:4000"));
        assertThat(count("coap.refused")).as("a new window writes again").isEqualTo(4);
        assertThat(count("anomaly.refusals_suppressed")).as("one summary per window").isEqualTo(1);
    }

    @Test
    void aSourceThatComesBackAfterItsWindowGetsItsSummaryFirst() {
        for (int i = 0; i < 5; i++) {
            watch.record("auth.refused", "malformed", Map.of("remote", "/10.0.0.9:5000"));
        }
        clock.advance(Duration.ofMinutes(2));
        watch.record("auth.refused", "malformed", Map.of("remote", "/10.0.0.9:5000"));
        assertThat(lines.stream().map(Line::event).toList()).containsExactly("auth.refused", "auth.refused",
                "auth.refused", "anomaly.refusal_burst", "anomaly.refusals_suppressed", "auth.refused");
    }
    /**
     * Tour AE, AE4: a summary was written only at the first event after its window ended; a broker stopped (or idle
     * until its stop) within or after a flood's window never wrote it, so the trail said a burst began and nothing of
     * the refusals it left out. Closing the watch (broker stop, before the audit log's last checkpoint) writes the
     * summaries of every window that owes one, ended or not.
     */
    @Test
    void closingTheWatchWritesTheSummariesItOwes() {
        for (int i = 0; i < 10; i++) {
            watch.record("auth.refused", "bad_signature", Map.of("remote", "/10.0.0.9:5000"));
        }
        for (int i = 0; i < 5; i++) {
            watch.record("token.refused", "bad_signature", Map.of("remote", "10.0.0.6:5000"));
        }
        clock.advance(Duration.ofSeconds(30)); // the windows have not ended
        watch.close();
        assertThat(lines.stream().filter(l -> l.event().equals("anomaly.refusals_suppressed"))
                .map(l -> l.fields().get("source") + "=" + l.fields().get("suppressed")).toList())
                .containsExactlyInAnyOrder("10.0.0.9=7", "10.0.0.6=2");
        watch.close();
        assertThat(count("anomaly.refusals_suppressed")).as("once").isEqualTo(2);
    }

    /**
     * Tour AE, AE5: {@code suppressed} counted every refusal past the burst, also those written because they are never
     * suppressed (a reused refresh token, a session ended for a revocation), so the summary claimed lines left out
     * that are in the file.
     */
    @Test
    void theSummaryCountsOnlyTheRefusalsThatWereNotWritten() {
        for (int i = 0; i < 3; i++) {
            watch.record("auth.refused", "bad_signature", Map.of("remote", "/10.0.0.9:5000"));
        }
        watch.record("refresh.reuse_detected", "reused_family_revoked", Map.of("remote", "10.0.0.9:5001"));
        watch.record("mqtt.session.closed", "revoked", Map.of("remote", "/10.0.0.9:5002"));
        watch.record("auth.refused", "bad_signature", Map.of("remote", "/10.0.0.9:5003"));
        watch.record("mqtt.session.closed", "revoked", Map.of("remote", "/10.0.0.9:5004"));
        assertThat(count("refresh.reuse_detected") + count("mqtt.session.closed")).as("never suppressed").isEqualTo(3);
        assertThat(count("auth.refused")).isEqualTo(3);
        watch.close();
        Line summary = lines.stream().filter(l -> l.event().equals("anomaly.refusals_suppressed")).findFirst().orElseThrow();
        assertThat(Map.<String, Object>copyOf(summary.fields())).containsEntry("suppressed", 1)
                .containsEntry("last_event", "auth.refused");
    }

    @Test
    void aSourceIsAHostWhateverItsPortsAndADtlsIdentityIsItsOwn() {
        assertThat(RefusalBursts.host("udp:10.0.0.9:4000")).isEqualTo("10.0.0.9");
        assertThat(RefusalBursts.host("udp:0:0:0:0:0:0:0:1:5683")).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(RefusalBursts.host("/10.0.0.9:4000")).isEqualTo("10.0.0.9");
        // two devices' DTLS identities are two sources, not one called "psk"
        assertThat(RefusalBursts.host("psk:pump-1")).isEqualTo("psk:pump-1");
        assertThat(RefusalBursts.host("x509:AbC")).isEqualTo("x509:AbC");
        assertThat(RefusalBursts.host("rpk:ni:///sha-256;AbC")).isEqualTo("rpk:ni:///sha-256;AbC");
        // tour AF, AF7: a DTLS session without a client identity, not one source called "dtls"
        assertThat(RefusalBursts.host("dtls:0A1B2C")).isEqualTo("dtls:0A1B2C");
    }

    @Test
    void onlyRefusalsMayBeSummarised() {
        assertThat(AnomalyWatch.suppressible("dtls.refused")).isTrue();
        assertThat(AnomalyWatch.suppressible("mqtt.subscribe.refused")).isTrue();
        assertThat(AnomalyWatch.suppressible("siwe.login")).isTrue();
        assertThat(AnomalyWatch.suppressible("auth.accepted")).isFalse();
        assertThat(AnomalyWatch.suppressible("revocation.created")).isFalse();
        assertThat(AnomalyWatch.suppressible("mqtt.session.closed")).isFalse();
    }
}
