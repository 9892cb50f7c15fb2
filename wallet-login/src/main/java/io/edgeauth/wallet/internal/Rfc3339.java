package io.edgeauth.wallet.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Strict RFC 3339 {@code date-time} parser: {@code YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm)}. The fraction may
 * have any number of digits ({@code time-secfrac = "." 1*DIGIT}, as EIP-4361 and spruceid/siwe read it); digits
 * beyond nanoseconds are truncated (the caller bounds the input's length).
 *
 * <p>Why hand-written: {@link java.time.format.DateTimeFormatter#ISO_OFFSET_DATE_TIME} accepts
 * forms RFC 3339 does not (missing seconds, offsets like {@code +01}), and its exceptions are costly
 * on a path any client can hit. Impossible dates such as February 31 are refused. A leap second
 * ({@code :60}) cannot be represented by {@link Instant} and is refused too. Stateless, thread-safe.
 */
public final class Rfc3339 {
    private Rfc3339() {
    }

    /**
     * @param s candidate timestamp
     * @return the instant, or {@code null} if {@code s} is not a valid RFC 3339 date-time
     */
    public static Instant parse(String s) {
        int n = s.length();
        // shortest form: 2021-09-30T16:25:24Z (20 chars)
        if (n < 20) {
            return null;
        }
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || !isT(s.charAt(10)) || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
            return null;
        }
        if (hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && Rfc3986.isDigit(s.charAt(i))) {
                i++;
            }
            int len = Math.min(i - start, 9); // truncated to what an Instant holds
            if (len == 0) {
                return null;
            }
            nanos = Integer.parseInt(s, start, start + len, 10);
            for (int k = len; k < 9; k++) {
                nanos *= 10;
            }
        }
        if (i >= n) {
            return null;
        }
        int offsetSeconds;
        char z = s.charAt(i);
        if (z == 'Z' || z == 'z') {
            if (i + 1 != n) {
                return null;
            }
            offsetSeconds = 0;
        } else if (z == '+' || z == '-') {
            if (i + 6 != n || s.charAt(i + 3) != ':') {
                return null;
            }
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || om < 0 || oh > 23 || om > 59) {
                return null;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
        } else {
            return null;
        }
        try {
            LocalDate date = LocalDate.of(year, month, day); // refuses February 31 and friends
            long epochSecond = date.toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second
                    - ZoneOffset.ofTotalSeconds(offsetSeconds).getTotalSeconds();
            return Instant.ofEpochSecond(epochSecond, nanos);
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static boolean isT(char c) {
        return c == 'T' || c == 't';
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!Rfc3986.isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
