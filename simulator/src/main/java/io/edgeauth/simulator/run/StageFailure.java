package io.edgeauth.simulator.run;

import io.edgeauth.device.TokenRequestException;
import io.edgeauth.simulator.coap.CoapRefusedException;
import io.edgeauth.simulator.coap.CoapTransportException;
import io.edgeauth.simulator.mqtt.MqttRefusedException;
import io.edgeauth.simulator.mqtt.PacketTooLargeException;
import io.edgeauth.simulator.onboard.AdminApiException;
import java.util.Locale;
import java.util.concurrent.CompletionException;

/** A session step failed; {@link #outcome()} is {@code stage:reason}, e.g. {@code connect:expired}. */
final class StageFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What the other side said, for the run's log (the broker's error_description, a reason string), or null. */
    private final String detail;

    StageFailure(String outcome) {
        this(outcome, null);
    }

    StageFailure(String outcome, String detail) {
        super(outcome, null, false, false);
        this.detail = detail;
    }

    String outcome() {
        return getMessage();
    }

    /** The detail of a failure as {@link #of} saw it; null when there is nothing beyond the outcome. */
    static String detailOf(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof StageFailure f) {
            return f.detail;
        }
        if (t instanceof TokenRequestException e && e.errorDescription() != null) {
            return e.errorDescription();
        }
        StringBuilder detail;
        if (t instanceof AdminApiException) { // its text is the outcome itself ("register:io: register:io"): name the cause
            if (t.getCause() == null) {
                return null;
            }
            t = t.getCause();
            detail = new StringBuilder(t.toString());
        } else {
            detail = new StringBuilder(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        }
        // a transport failure's own text is often only its reason again: what failed underneath is in its causes
        java.util.Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable c = t.getCause(); c != null && seen.add(c) && seen.size() <= 3; c = c.getCause()) {
            detail.append(": ").append(c.getClass().getSimpleName());
            if (c.getMessage() != null) {
                detail.append(' ').append(c.getMessage());
            }
        }
        return detail.toString();
    }

    /** Wraps {@code error} as the failure of {@code stage}, with a short reason from its type. */
    static StageFailure of(String stage, Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof StageFailure f) {
            return f;
        }
        String reason = reason(t);
        // an admin call names itself ("register:401"): in its own stage, once is enough
        return new StageFailure(reason.startsWith(stage + ":") ? reason : stage + ":" + reason, detailOf(t));
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String reason(Throwable t) {
        if (t instanceof MqttRefusedException r) {
            if (r.reasonString() != null) {
                return r.reasonString();
            }
            return r.code() < 0 ? "unknown" : "code" + r.code();
        }
        if (t instanceof PacketTooLargeException) {
            return "packet_too_large";
        }
        if (t instanceof CoapRefusedException c) {
            return c.reason() != null ? c.reason() : "coap_" + c.code();
        }
        if (t instanceof CoapTransportException c) {
            return c.kind();
        }
        if (t instanceof TokenRequestException e) {
            if (e.error() != null) {
                String d = e.errorDescription();
                return d != null && d.contains("replayed") ? "replayed" : e.error();
            }
            return e.reason().name().toLowerCase(Locale.ROOT);
        }
        if (t instanceof AdminApiException a) {
            return a.getMessage();
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return "timeout";
        }
        if (t instanceof java.net.ConnectException) {
            return "connection_refused";
        }
        if (t instanceof java.io.IOException) {
            return "io";
        }
        return t.getClass().getSimpleName();
    }
}
