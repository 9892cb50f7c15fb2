package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.testsupport.MutableClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tour AD, AD2: a refused registration's reason quoted the client's value whole: a region "cell" that was a JSON object
 * of 15,000 characters came back as its {@code Map.toString()} in the bulk import's result line (a line each, for every
 * refused line of a file), an unknown tenant or rate plan with its 512 characters. A reason names a value cut to 64
 * characters, as the unknown-field reason does.
 */
class DeviceValidatorEchoTest {
    private static final String X5T = "A".repeat(43);
    private final BrokerConfig config = new ConfigLoader().load(null, Map.of());
    private final DeviceValidator validator = new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(),
            new MutableClock(Instant.parse("2026-01-01T00:00:00Z")));

    @Test
    void aRefusalQuotesNoValueWhole() {
        String big = "z".repeat(15_000);
        assertRefusedBriefly(Map.of("id", "e-1", "x5tS256", X5T, "region", List.of(Map.of("a", big))), "region:");
        assertRefusedBriefly(Map.of("id", "e-1", "x5tS256", X5T, "region", List.of(big)), "region:");
        assertRefusedBriefly(Map.of("id", "e-1", "x5tS256", X5T, "tenant", "t".repeat(500)), "tenant:");
        assertRefusedBriefly(Map.of("id", "e-1", "x5tS256", X5T, "ratePlan", "p".repeat(500)), "ratePlan:");
        assertRefusedBriefly(Map.of("id", "e-1", "jwk", Map.of("kty", "k".repeat(5_000))), "jwk:");
        assertRefusedBriefly(Map.of("id", "e-1", "enrollmentGroup", "g".repeat(500)), "enrollmentGroup:");
    }

    private void assertRefusedBriefly(Map<String, Object> body, String field) {
        assertThatThrownBy(() -> validator.validate(body)).hasMessageContaining(field)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage().length())
                        .as(e.getMessage().substring(0, Math.min(300, e.getMessage().length()))).isLessThan(400));
    }
}
