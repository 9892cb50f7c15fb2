package io.edgeauth.simulator;

import java.time.Duration;

/**
 * The shape of the load, as pure arithmetic (no clocks, no threads): devices are started at a steady
 * connect rate; each connected device publishes at a fixed rate, its first message offset by a
 * per-device phase so that a fleet does not publish in lockstep.
 *
 * @param devices          number of virtual devices
 * @param connectRate      devices started per second (ramp); {@code <= 0} means all at once
 * @param ratePerDevice    messages per second per device; {@code 0} means connect only
 */
public record LoadShape(int devices, double connectRate, double ratePerDevice) {
    /** 1 - 1/golden ratio: consecutive devices get well-spread phases in [0, 1). */
    private static final double PHASE_STEP = 0.6180339887498949;

    public LoadShape {
        if (devices < 0) {
            throw new IllegalArgumentException("devices must be >= 0");
        }
        if (ratePerDevice < 0) {
            throw new IllegalArgumentException("rate must be >= 0");
        }
    }

    /** How many devices should have been started {@code elapsed} after the start of the ramp. */
    public int startedBy(Duration elapsed) {
        if (connectRate <= 0) {
            return devices;
        }
        double seconds = elapsed.toNanos() / 1e9;
        // device i starts at i / rate, so floor(t * rate) + 1 have started by t (device 0 at t = 0)
        // (the epsilon absorbs floating-point error so that startedBy(startOf(i)) includes device i)
        long n = (long) Math.floor(seconds * connectRate + 1e-6) + 1;
        return (int) Math.min(devices, Math.max(0, n));
    }

    /** When device {@code index} (0-based) starts, relative to the start of the ramp. */
    public Duration startOf(int index) {
        if (connectRate <= 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil(index * 1e9 / connectRate));
    }

    /** How long the ramp takes (start of the last device). */
    public Duration rampDuration() {
        return devices == 0 ? Duration.ZERO : startOf(devices - 1);
    }

    /** The time between two messages of one device; null when devices do not publish. */
    public Duration publishInterval() {
        if (ratePerDevice <= 0) {
            return null;
        }
        return Duration.ofNanos(Math.max(1, (long) (1e9 / ratePerDevice)));
    }

    /** Delay of device {@code index}'s first message after it connected: a phase in [0, interval). */
    public Duration firstPublishDelay(int index) {
        Duration interval = publishInterval();
        if (interval == null) {
            return null;
        }
        double phase = (index * PHASE_STEP) % 1.0;
        return Duration.ofNanos((long) (interval.toNanos() * phase));
    }

    /** The fleet's aggregate target rate once every device is connected (messages per second). */
    public double targetRate() {
        return devices * ratePerDevice;
    }
}
