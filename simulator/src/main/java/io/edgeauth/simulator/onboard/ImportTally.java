package io.edgeauth.simulator.onboard;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts a bulk import's result lines as they arrive, by result: what the broker has answered so far, which is what
 * an interrupted import can say about how far it got (the broker may hold a few more it had not answered yet).
 */
public final class ImportTally {
    private final LongAdder created = new LongAdder();
    private final LongAdder updated = new LongAdder();
    private final LongAdder unchanged = new LongAdder();
    private final LongAdder refused = new LongAdder();

    /** Takes one result line ({@code {"line","id","result",...}}). */
    public void accept(String line) {
        // a cheap look instead of a JSON parse: the reader already parsed it, and the result names are fixed words
        if (line.contains("\"result\":\"created\"")) {
            created.increment();
        } else if (line.contains("\"result\":\"updated\"")) {
            updated.increment();
        } else if (line.contains("\"result\":\"unchanged\"")) {
            unchanged.increment();
        } else {
            refused.increment();
        }
    }

    public long answered() {
        return created.sum() + updated.sum() + unchanged.sum() + refused.sum();
    }

    /** {@code answered=N created=.. updated=.. unchanged=.. refused=..}. */
    public String counts() {
        return String.format(Locale.ROOT, "answered=%d created=%d updated=%d unchanged=%d refused=%d", answered(), created.sum(),
                updated.sum(), unchanged.sum(), refused.sum());
    }
}
