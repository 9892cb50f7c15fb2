package io.edgeauth.broker.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses human durations ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d}) and ISO-8601. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private Durations() {
    }

    /** The duration as the config writes it: the largest of d, h, m, s, ms that divides it ({@code 1999ms}, {@code 10m}). */
    public static String format(Duration d) {
        if (d == null) {
            return "nothing";
        }
        long ms = d.toMillis();
        if (d.getNano() % 1_000_000 != 0) {
            return d.toString(); // finer than the config's units: only ISO-8601 can say it
        }
        if (ms != 0 && ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms != 0 && ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms != 0 && ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** Whether a duration is a whole number of seconds (what a setting applied in seconds needs). */
    public static boolean wholeSeconds(Duration d) {
        return d.getNano() == 0;
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected a duration such as 30s, 10m or PT10M, got nothing");
        }
        String t = text.trim();
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": return Duration.ofMillis(n);
                case "s": return Duration.ofSeconds(n);
                case "m": return Duration.ofMinutes(n);
                case "h": return Duration.ofHours(n);
                default: return Duration.ofDays(n);
            }
        }
        try {
            return Duration.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("expected a duration such as 30s, 10m or PT10M, got '" + t + "'");
        }
    }
}
