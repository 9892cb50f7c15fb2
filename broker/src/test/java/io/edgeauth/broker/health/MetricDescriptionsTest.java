package io.edgeauth.broker.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every counter the broker makes with Micrometer's short form ({@code counter("edgeauth...", tags)}, no description)
 * gets its HELP text from {@link MetricDescriptions}: 13 families had an empty HELP line, and the in-process test of
 * {@code /metrics} saw only the ones that happened to exist.
 */
class MetricDescriptionsTest {
    private static final Pattern SHORT_FORM = Pattern.compile("counter\\(\\s*\"(edgeauth\\.[a-z0-9_.]+)\"");

    @Test
    void everyShortFormCounterInTheSourcesHasADescription() throws IOException {
        Set<String> named = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Matcher m = SHORT_FORM.matcher(Files.readString(f));
                while (m.find()) {
                    named.add(m.group(1));
                }
            }
        }
        assertThat(named).as("the scan found the counters").contains("edgeauth.tokens.issued", "edgeauth.mqtt.drops");
        assertThat(MetricDescriptions.DESCRIPTIONS.keySet()).containsAll(named);
    }

    @Test
    void aCounterWithoutADescriptionGetsItsHelpLineAndOneWithItsOwnKeepsIt() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new MetricDescriptions());
        registry.counter("edgeauth.tokens.issued", "grant", "client_credentials").increment();
        io.micrometer.core.instrument.Counter.builder("edgeauth.tokens.refused").description("own words")
                .register(registry).increment();
        String scrape = registry.scrape();
        assertThat(scrape).contains("# HELP edgeauth_tokens_issued_total Tokens issued, by grant and format")
                .contains("# HELP edgeauth_tokens_refused_total own words");
    }
}
