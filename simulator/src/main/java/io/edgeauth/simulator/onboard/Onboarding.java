package io.edgeauth.simulator.onboard;

import io.edgeauth.device.DeviceIdentity;
import java.util.concurrent.CompletableFuture;

/**
 * How a fleet device becomes known to the broker before its first token: {@link AdminApiOnboarding}
 * ({@code POST /admin/devices}, one call per device) or {@link #NONE} (the fleet was registered before, e.g. by
 * {@link BulkImport} at the start of the run or by an earlier run with the same seed). Zero-touch provisioning
 * plugs in here as a further implementation (a zero-touch device needs no call at all).
 */
public interface Onboarding {
    /** Already registered: nothing to do. */
    Onboarding NONE = new Onboarding() {
        @Override
        public CompletableFuture<Void> onboard(DeviceIdentity device, String tenant) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public String name() {
            return "none";
        }
    };

    /** Completes once the device may ask for tokens; fails with {@link AdminApiException} (its reason). */
    CompletableFuture<Void> onboard(DeviceIdentity device, String tenant);

    /** Shown in the report's parameters. */
    String name();
}
