package io.edgeauth.broker.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AdmissionControlTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void admitsUpToTheLimitThenShedsUntilAPermitIsReleased() {
        AdmissionControl control = new AdmissionControl(new AdmissionLimits(2, 3, 1000), meters);
        Optional<AdmissionControl.Permit> a = control.tryAdmit("mqtt");
        Optional<AdmissionControl.Permit> b = control.tryAdmit("coap");
        assertThat(a).isPresent();
        assertThat(b).isPresent();
        assertThat(control.tryAdmit("mqtt")).isEmpty();
        assertThat(control.inFlight()).isEqualTo(2);
        a.get().close();
        a.get().close(); // idempotent: a second close frees nothing more
        assertThat(control.inFlight()).isEqualTo(1);
        assertThat(control.tryAdmit("mqtt")).isPresent();
        assertThat(control.tryAdmit("mqtt")).isEmpty();
        assertThat(meters.get("edgeauth.admission.shed").tag("edge", "mqtt").counter().count()).isEqualTo(2.0);
        assertThat(control.retryAfterSeconds()).isEqualTo(3);
    }

    @Test
    void neverAdmitsMoreThanTheLimitUnderContention() throws Exception {
        AdmissionControl control = new AdmissionControl(new AdmissionLimits(3, 1, 1000), meters);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        Optional<AdmissionControl.Permit> p = control.tryAdmit("mqtt");
                        if (p.isPresent()) {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            inside.decrementAndGet();
                            p.get().close();
                        }
                    }
                }));
            }
            for (Future<?> f : runs) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(most.get()).isLessThanOrEqualTo(3);
        assertThat(control.inFlight()).isZero();
    }

    @Test
    void handshakesHaveTheirOwnLimitAndCounters() {
        AdmissionControl control = new AdmissionControl(new AdmissionLimits(5, 1, 2), meters);
        Optional<AdmissionControl.Permit> a = control.tryAdmitHandshake("mqtt");
        Optional<AdmissionControl.Permit> b = control.tryAdmitHandshake("mqtt");
        assertThat(a).isPresent();
        assertThat(b).isPresent();
        assertThat(control.tryAdmitHandshake("mqtt")).isEmpty();
        assertThat(control.tryAdmit("mqtt")).as("authentications are counted apart").isPresent();
        assertThat(meters.get("edgeauth.admission.handshakes.shed").tag("edge", "mqtt").counter().count()).isEqualTo(1);
        assertThat(meters.find("edgeauth.admission.shed").counter()).as("no authentication was shed").isNull();
        assertThat(meters.get("edgeauth.admission.tls.handshakes").gauge().value()).isEqualTo(2);
        a.get().close();
        a.get().close(); // idempotent: frees one place, not two
        assertThat(control.pendingHandshakes()).isEqualTo(1);
        assertThat(control.tryAdmitHandshake("mqtt")).isPresent();
        assertThat(control.tryAdmitHandshake("mqtt")).isEmpty();
    }

    @Test
    void theConfigSectionIsBoundAndValidatedAtStart() {
        io.edgeauth.broker.config.ConfigLoader loader = new io.edgeauth.broker.config.ConfigLoader();
        assertThat(loader.load(null, java.util.Map.of()).admission()).isEqualTo(new AdmissionLimits(1000, 1, 1000));
        assertThat(loader.load(null, java.util.Map.of("EDGEAUTH_ADMISSION_MAX_IN_FLIGHT_AUTHENTICATIONS", "8"))
                .admission().maxInFlightAuthentications()).isEqualTo(8);
        assertThat(loader.load(null, java.util.Map.of("EDGEAUTH_ADMISSION_MAX_PENDING_TLS_HANDSHAKES", "16"))
                .admission().maxPendingTlsHandshakes()).isEqualTo(16);
        assertThatThrownBy(() -> loader.load(null, java.util.Map.of("EDGEAUTH_ADMISSION_MAX_PENDING_TLS_HANDSHAKES", "0")))
                .isInstanceOf(io.edgeauth.broker.config.ConfigException.class)
                .hasMessageContaining("admission.maxPendingTlsHandshakes: expected 1..1000000, got 0");
        assertThatThrownBy(() -> loader.load(null, java.util.Map.of("EDGEAUTH_ADMISSION_RETRY_AFTER_SECONDS", "0")))
                .isInstanceOf(io.edgeauth.broker.config.ConfigException.class)
                .hasMessageContaining("admission.retryAfterSeconds: expected 1..3600, got 0");
    }

    @Test
    void limitsOutOfRangeAreRefusedNamingTheirKeys() {
        assertThat(new AdmissionLimits(0, 0, 1000).problems()).containsExactly(
                "admission.maxInFlightAuthentications: expected 1..1000000, got 0",
                "admission.retryAfterSeconds: expected 1..3600, got 0");
        assertThat(new AdmissionLimits(AdmissionLimits.MAX_IN_FLIGHT + 1, 3601, 1000).problems()).hasSize(2);
        assertThat(new AdmissionLimits(1, 1, AdmissionLimits.MAX_IN_FLIGHT + 1).problems()).containsExactly(
                "admission.maxPendingTlsHandshakes: expected 1..1000000, got 1000001");
        assertThat(new AdmissionLimits(1, 1, 1000).problems()).isEmpty();
        assertThatThrownBy(() -> new AdmissionControl(new AdmissionLimits(-1, 1, 1000), meters))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("admission.maxInFlightAuthentications");
    }
}
