package io.edgeauth.simulator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StartGateTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void onlyStepsThatGotNoAnswerFromTheBrokerCountAsUnreachable() {
        assertThat(java.util.List.of("register:io", "token:transport", "connect:connection_refused", "authz:send_error",
                "session:revoke:io")).allMatch(StartGate::unreachable);
        // answers (refusals, chaos outcomes), a broker closing a session it had taken, and timeouts (an overloaded broker)
        assertThat(java.util.List.of("connect:expired", "token:invalid_client", "register:admin_credential_refused",
                "publish:connection_closed", "dropped:connection_closed", "connect:timeout", "token:timeout", "authz:timeout",
                "socket:bind", "publish:puback_0x97")).noneMatch(StartGate::unreachable);
        // closed before the CONNACK: a broker shedding TLS handshakes closes accepted connections so, unread
        assertThat(java.util.List.of("connect:connection_closed", "connect:io")).noneMatch(StartGate::unreachable);
    }

    @Test
    void aHerdShedByTheTlsHandshakeLimitDoesNotCloseTheGate() {
        StartGate gate = new StartGate(3, out);
        gate.sessionEnded("token:transport");
        gate.sessionEnded("token:transport");
        for (int i = 0; i < 500; i++) { // the broker closes accepted connections unread: there, and busy
            gate.sessionEnded(i % 2 == 0 ? "connect:io" : "connect:connection_closed");
        }
        assertThat(gate.isClosed()).isFalse();
        gate.sessionEnded("connect:connection_refused"); // neither started the count again: gone after all
        assertThat(gate.unstartedReason()).isEqualTo("unfinished:not_started_broker_unreachable");
    }

    @Test
    void closesOnceAfterTheLimitInARowAndAnAnswerStartsTheCountAgain() {
        StartGate gate = new StartGate(3, out);
        gate.sessionEnded("token:transport");
        gate.sessionEnded("register:io");
        gate.sessionEnded("connect:bad_signature"); // the broker answered: it is there
        gate.sessionEnded("token:transport");
        gate.sessionEnded(null);
        gate.sessionEnded("token:transport");
        gate.sessionEnded("dropped:connection_closed"); // held sessions losing the broker as it goes: no answer, no count
        gate.sessionEnded("publish:not_connected");
        gate.sessionEnded("connect:connection_refused");
        assertThat(gate.isClosed()).isFalse();
        gate.sessionEnded("connect:connection_refused");
        gate.sessionEnded("connect:connection_refused");
        assertThat(gate.unstartedReason()).isEqualTo("unfinished:not_started_broker_unreachable");
        assertThat(printed.toString(StandardCharsets.UTF_8)).containsOnlyOnce("broker unreachable: 3 sessions in a row")
                .contains("no further device is started");
    }

    @Test
    void aLimitOfZeroNeverCloses() {
        StartGate gate = new StartGate(0, out);
        for (int i = 0; i < 1000; i++) {
            gate.sessionEnded("token:transport");
        }
        assertThat(gate.isClosed()).isFalse();
        gate.sessionEnded("session:revoke:admin_credential_refused"); // a chaos device's revocation: not onboarding
        assertThat(gate.isClosed()).isFalse();
        gate.sessionEnded("register:admin_credential_refused"); // that one still closes it: every device would meet it
        assertThat(gate.unstartedReason()).isEqualTo("unfinished:not_started_onboarding_failed");
    }

    @Test
    void aBrokerThatAnswersNoDeviceClosesTheGateOnceNamingItSilent() {
        StartGate gate = new StartGate(3, out);
        long began = System.nanoTime();
        gate.stepEnded("token", began, null); // the token endpoint answers; the MQTT port swallows everything
        for (int i = 0; i < 2; i++) {
            gate.stepEnded("connect", began, "connect:connack_timeout");
            gate.stepEnded("token", System.nanoTime(), null); // another step's answers say nothing of this one
        }
        assertThat(gate.isClosed()).isFalse();
        gate.stepEnded("connect", began, "connect:connack_timeout");
        gate.stepEnded("connect", began, "connect:connack_timeout");
        assertThat(gate.unstartedReason()).isEqualTo("unfinished:not_started_broker_silent");
        assertThat(printed.toString(StandardCharsets.UTF_8)).containsOnlyOnce("broker silent: 3 devices in a row timed out")
                .contains("(the last: connect:connack_timeout)").contains("no further device is started (--stop-after-unreachable)");
    }

    @Test
    void aSlowBrokerThatAnswersSomeDevicesLateDoesNotCloseTheGate() {
        StartGate gate = new StartGate(3, out);
        for (int round = 0; round < 100; round++) {
            long began = System.nanoTime(); // a herd starts waiting
            gate.stepEnded("connect", began, null); // the broker answers one of them, late
            for (int i = 0; i < 50; i++) { // the rest time out: each waited while the broker answered someone
                gate.stepEnded("connect", began, "connect:connack_timeout");
            }
            gate.stepEnded("token", began, "token:timeout");
            gate.stepEnded("token", began, "token:invalid_client"); // a refusal is an answer too
        }
        assertThat(gate.isClosed()).isFalse();
        // the same timeouts with no answer between them: silent
        long began = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            gate.stepEnded("token", began, "token:timeout");
        }
        assertThat(gate.unstartedReason()).isEqualTo("unfinished:not_started_broker_silent");
    }

    @Test
    void anAnswerStartsTheSilentCountAgain() {
        StartGate gate = new StartGate(3, out);
        gate.stepEnded("authz", System.nanoTime(), "authz:timeout");
        gate.stepEnded("authz", System.nanoTime(), "authz:timeout");
        gate.stepEnded("authz", System.nanoTime(), "authz:bad_signature"); // answered after all
        gate.stepEnded("authz", System.nanoTime(), "authz:timeout");
        gate.stepEnded("authz", System.nanoTime(), "authz:timeout");
        gate.stepEnded("authz", System.nanoTime(), "authz:send_error"); // no answer, not a timeout: neither
        assertThat(gate.isClosed()).isFalse();
        gate.stepEnded("authz", System.nanoTime(), "authz:timeout");
        assertThat(gate.unstartedReason()).isEqualTo("unfinished:not_started_broker_silent");
    }

    @Test
    void aLimitOfZeroNeverClosesForSilenceEither() {
        StartGate gate = new StartGate(0, out);
        for (int i = 0; i < 1000; i++) {
            gate.stepEnded("connect", System.nanoTime(), "connect:connack_timeout");
        }
        assertThat(gate.isClosed()).isFalse();
    }
}
