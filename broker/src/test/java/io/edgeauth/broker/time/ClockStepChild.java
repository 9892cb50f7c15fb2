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
        BucketRateLimiter budget = new BucketRateLimiter(new RatePlan("t", 10, 2, 1_000_000));
        SteadyClock steady = new SteadyClock(Clock.systemUTC());
        drain(budget);
        long before = steady.millis();
        System.out.println("STEP back");
        in.readLine();
        awaitWall(wall -> wall - before < -3_000_000L); // libfaketime re-reads the offset file once a second
        Thread.sleep(600); // monotonic: 6 messages' worth of refill
        long wallAfter = Clock.systemUTC().millis();
        long steadyAfter = steady.millis();
        System.out.println("AFTER_BACK refilled=" + budget.tryAcquire(1) + " wallDeltaMs=" + (wallAfter - before)
                + " steadyDeltaMs=" + (steadyAfter - before));
        drain(budget);
        System.out.println("STEP forward");
        in.readLine();
        awaitWall(wall -> wall - before > 300L * 24 * 3_600_000);
        int allowed = 0;
        long loopStart = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            allowed += budget.tryAcquire(1) ? 1 : 0;
        }
        long loopMs = (System.nanoTime() - loopStart) / 1_000_000;
        long steadyDelta = steady.millis() - before; // reading the clock is what notices the step
        System.out.println("AFTER_FORWARD allowed=" + allowed + " loopMs=" + loopMs + " steadyAheadOfWallMs=" + steady.offsetMillis()
                + " steadyDeltaMs=" + steadyDelta);
    }

    /** Waits (up to a minute, on the monotonic clock) until the wall clock shows the step. */
    private static void awaitWall(java.util.function.LongPredicate stepped) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!stepped.test(Clock.systemUTC().millis()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static void drain(BucketRateLimiter budget) {
        while (budget.tryAcquire(1)) {
            // spend the burst
        }
    }
}
