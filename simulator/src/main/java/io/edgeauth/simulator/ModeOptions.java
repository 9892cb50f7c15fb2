package io.edgeauth.simulator;

import io.edgeauth.simulator.run.ChaosKind;
import io.edgeauth.simulator.run.RunSettings;
import io.edgeauth.simulator.run.Scenario;
import java.util.function.Predicate;

/**
 * Refuses options given on the command line that the chosen mode never reads: silently ignored, they let a run pass
 * without testing what was asked ({@code --revoke-count 50} without {@code --scenario revocation} looked like a
 * revocation test; tour AB, AB18).
 */
final class ModeOptions {
    private ModeOptions() {
    }

    /**
     * @param given whether an option was given on the command line (defaults do not count)
     * @return null, or the first option given without its mode, e.g. "--revoke-count has no effect without --scenario revocation"
     */
    static String problem(Predicate<String> given, RunSettings s, boolean bulk, boolean group) {
        String[][] rules = {
            {"--revoke-count", s.scenario() == Scenario.REVOCATION ? null : "--scenario revocation"},
            {"--revoke-at", s.scenario() == Scenario.REVOCATION ? null : "--scenario revocation"},
            {"--renew-every", s.scenario() == Scenario.RENEWAL ? null : "--scenario renewal"},
            {"--restart-at", s.scenario() == Scenario.RESTART ? null : "--scenario restart"},
            {"--restart-command", s.scenario() == Scenario.RESTART ? null : "--scenario restart"},
            {"--restart-window", s.scenario() == Scenario.RESTART ? null : "--scenario restart"},
            {"--coap", coap(s)}, {"--coap-security", coap(s)}, {"--coap-token", coap(s)}, {"--coap-end", coap(s)},
            {"--coap-observe", coap(s)}, {"--coap-commands", coap(s)}, {"--coap-renew-after", coap(s)},
            {"--other-tenant", chaos(s, ChaosKind.WRONG_TENANT)},
            {"--broker-region", chaos(s, ChaosKind.WRONG_REGION)},
            {"--expired-wait", chaos(s, ChaosKind.EXPIRED)},
            {"--token-lifetime", s.tokenIssuer() != null ? null : "--token-source issuer"},
            {"--enrollment-group", group ? null : "--onboarding group"},
            {"--mqtt-ca", s.mqttTls().equals("off") ? "--mqtt-tls tls or mtls" : null},
            {"--import-idle-timeout", bulk ? null : "--onboarding bulk"},
        };
        for (String[] rule : rules) {
            if (rule[1] != null && given.test(rule[0])) {
                return rule[0] + " has no effect without " + rule[1];
            }
        }
        if (s.scenario() == Scenario.RESTART && given.test("--stop-after-unreachable")) {
            return "--stop-after-unreachable has no effect with --scenario restart: its broker is unreachable on purpose";
        }
        return null;
    }

    private static String coap(RunSettings s) {
        return s.protocols().anyCoap() ? null : "coap in --protocol";
    }

    private static String chaos(RunSettings s, ChaosKind kind) {
        return s.chaos().share() > 0 && s.chaos().kinds().contains(kind) ? null
                : "the chaos kind " + kind.label() + " (in --chaos-kinds, with --chaos-share above 0)";
    }
}
