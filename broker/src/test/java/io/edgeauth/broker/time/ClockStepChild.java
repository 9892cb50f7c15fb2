package io.edgeauth.broker.time;

import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.policy.rate.BucketRateLimiter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Runs under libfaketime for {@link WallClockStepTest}: a device budget (10 msg/s, burst 2) and the broker's
 * clock while the test steps the process's wall clock back an hour, then forward a year. Prints one line per
 * step; waits for a line on stdin after each "STEP" request.
 */
public final class ClockStepChild {
    private ClockStepChild() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BucketRateLimiter budget = new BucketRateLimiter(new RatePlan("t", 10, 2, 1_000_000, 1000));
        SteadyClock steady = new SteadyClock(Clock.systemUTC());
        drain(budget);
        long before = steady.millis();
        System.out.println("STEP back");
        in.readLine();
        Thread.sleep(1500); // libfaketime re-reads the offset once a second; monotonic refill: 15 messages' worth
        long wallAfter = Clock.systemUTC().millis();
        long steadyAfter = steady.millis();
        System.out.println("AFTER_BACK refilled=" + budget.tryAcquire(1) + " wallDeltaMs=" + (wallAfter - before)
                + " steadyDeltaMs=" + (steadyAfter - before));
        drain(budget);
        System.out.println("STEP forward");
        in.readLine();
        Thread.sleep(1500);
        int allowed = 0;
        for (int i = 0; i < 1000; i++) {
            allowed += budget.tryAcquire(1) ? 1 : 0;
        }
        long steadyDelta = steady.millis() - before; // reading the clock is what notices the step
        System.out.println("AFTER_FORWARD allowed=" + allowed + " steadyAheadOfWallMs=" + steady.offsetMillis()
                + " steadyDeltaMs=" + steadyDelta);
    }

    private static void drain(BucketRateLimiter budget) {
        while (budget.tryAcquire(1)) {
            // spend the burst
        }
    }
}
