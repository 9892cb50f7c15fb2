package io.edgeauth.simulator.run;

import java.time.Duration;
import java.util.Objects;

/**
 * The broker-restart scenario's plan.
 *
 * @param at      when the restart comes after the start (later if not every open session holds yet)
 * @param command a shell command that restarts the broker ({@code sh -c}; the run waits for it), or null when the
 *                broker is restarted from outside (a test, an operator)
 * @param window  how long a session that lost its broker gets to be authorized again
 */
public record RestartPlan(Duration at, String command, Duration window) {
    public RestartPlan {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(window, "window");
        if (at.isNegative() || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("--restart-at must not be negative and --restart-window must be positive");
        }
        if (command != null && command.isBlank()) {
            throw new IllegalArgumentException("--restart-command must not be blank");
        }
    }
}
