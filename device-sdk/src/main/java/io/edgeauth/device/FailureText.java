package io.edgeauth.device;

import io.edgeauth.device.internal.MqttFailures;

/** What the SDK says about a failed operation: {@link DeviceMqttClient#failureReason} and its log lines. */
final class FailureText {
    private FailureText() {
    }

    /** The short, stable name (see {@link DeviceMqttClient#failureReason}). */
    static String reason(Throwable error) {
        Throwable t = MqttFailures.unwrap(error);
        return t instanceof TokenRequestException e ? e.failureReason() : MqttFailures.reason(t);
    }

    /** The broker's own words (see {@link DeviceMqttClient#brokerReason}), or null. */
    static String brokerReason(Throwable error) {
        return MqttFailures.brokerReason(MqttFailures.unwrap(error));
    }

    /** {@link #reason}, and the broker's words beside it when it gave any: for log lines. */
    static String described(Throwable error) {
        String words = brokerReason(error);
        return words == null ? reason(error) : reason(error) + " (" + words + ")";
    }
}
