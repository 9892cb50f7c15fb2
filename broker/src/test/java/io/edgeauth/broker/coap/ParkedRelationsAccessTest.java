package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.router.TopicRouter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A principal whose access ended (deleted, moved, a new owner) leaves no parked Observe relation behind: its waiting
 * commands were sent under that access and would reach the next registration on the path (a red-team tour saw a
 * former owner's command delivered to the device after its transfer).
 */
class ParkedRelationsAccessTest {

    @Test
    void theParkedRelationsOfAPrincipalWhoseAccessEndedGoWithTheirCommands() {
        AtomicInteger dropped = new AtomicInteger();
        Clock clock = Clock.systemUTC();
        CoapObservations observations = new CoapObservations(new RouterCoapMessaging(new TopicRouter(100, r -> { })),
                new CoapSessions(100, 8, clock, (k, b) -> { }), clock, 16, Duration.ofMinutes(5), dropped::incrementAndGet);
        List<ObservedCommands.Command> unlock = List.of(new ObservedCommands.Command("d/door/down/unlock",
                "open".getBytes(StandardCharsets.UTF_8)));
        assertThat(observations.restore(List.of(new CoapCommandsFile.Kept("t", "door", "d/door/down", unlock),
                new CoapCommandsFile.Kept("t", "valve", "d/valve/down", unlock)))).isEqualTo(2);

        assertThat(observations.forgetParked("t", "door")).isEqualTo(1);
        assertThat(observations.parkedCount()).as("the other device's relation stays").isEqualTo(1);
        assertThat(dropped).as("the door's waiting command, counted as dropped").hasValue(1);
        assertThat(observations.forgetParked("other-tenant", "valve")).isZero();
        assertThat(observations.parkedCount()).isEqualTo(1);
    }
}
