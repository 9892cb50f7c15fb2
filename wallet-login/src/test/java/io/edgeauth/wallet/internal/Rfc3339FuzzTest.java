package io.edgeauth.wallet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the RFC 3339 parser against {@code java.time} as a second implementation: whatever the RFC's
 * grammar admits and {@code java.time} can represent, both read as the same instant; whatever ours
 * accepts, the grammar admits. Seeds: the timestamps of the SIWE vectors.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class Rfc3339FuzzTest {
    /** RFC 3339 §5.6 date-time (case-insensitive T and Z), any number of fraction digits. */
    private static final Pattern GRAMMAR = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})");
    /** Fraction digits beyond nanoseconds, which {@code java.time} cannot read and ours truncates. */
    private static final Pattern BEYOND_NANOS = Pattern.compile("(\\.\\d{9})\\d+");

    @FuzzTest(maxDuration = "10s")
    void parse(byte[] input) {
        String s = new String(input, StandardCharsets.UTF_8);
        Instant ours = Rfc3339.parse(s);
        boolean grammatical = GRAMMAR.matcher(s).matches();
        if (ours != null) {
            assertThat(grammatical).as("accepted outside the grammar: %s", s).isTrue();
        }
        if (!grammatical) {
            return;
        }
        Instant reference;
        try {
            reference = OffsetDateTime.parse(BEYOND_NANOS.matcher(s).replaceFirst("$1"),
                    DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            reference = null; // Feb 31, hour 24, offsets beyond ±18:00, leap seconds: refused by both
        }
        assertThat(ours).as("parse of %s", s).isEqualTo(reference);
    }
}
