package io.edgeauth.simulator.report;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** HdrHistogram values in microseconds, to and from the compressed base64 form the JSON keeps. */
public final class Histograms {
    /** Highest trackable latency: one hour in microseconds. */
    public static final long HIGHEST_MICROS = 3_600_000_000L;
    public static final int DIGITS = 3;

    private Histograms() {
    }

    public static Histogram empty() {
        return new Histogram(HIGHEST_MICROS, DIGITS);
    }

    public static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), n));
    }

    public static Histogram decode(String base64) {
        if (base64 == null || base64.isEmpty()) {
            return empty();
        }
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), HIGHEST_MICROS);
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not an encoded histogram", e);
        }
    }

    /** Statistics in milliseconds plus the encoded histogram. */
    public static RunResult.StageStats stats(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new RunResult.StageStats(0, 0, 0, 0, 0, 0, 0, encode(h));
        }
        return new RunResult.StageStats(h.getTotalCount(), ms(h.getMean()), ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
                ms(h.getMaxValue()), encode(h));
    }

    static double ms(double micros) {
        return Math.round(micros) / 1000.0;
    }
}
