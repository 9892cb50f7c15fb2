package io.edgeauth.broker.health;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The registry behind {@code /metrics}: Prometheus, with the metrics' descriptions, the JVM's and process's meters and
 * {@code edgeauth_build_info}.
 */
public final class BrokerMeters {
    private BrokerMeters() {
    }

    /** A new registry with the meters every broker has before its components add theirs. */
    public static PrometheusMeterRegistry create() {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meters.config().meterFilter(new MetricDescriptions());
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        BuildInfo.current().bindTo(meters);
        return meters;
    }
}
