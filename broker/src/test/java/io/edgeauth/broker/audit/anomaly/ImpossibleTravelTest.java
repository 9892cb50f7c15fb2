package io.edgeauth.broker.audit.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Y4: cells that touch (share an edge or only a corner, across the antimeridian too) are 0 km apart, so moving between
 * them is no journey; before, corner neighbours came out a rounding residue above 0 (u33dc0/u33dc3: 2e-10 km; u/t:
 * 41.7 km) and two authentications in one second were flagged as "infinite" speed.
 */
class ImpossibleTravelTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void touchingCellsAreNoDistanceApart() {
        assertThat(ImpossibleTravel.minimumKm("u33dc0", "u33dc3")).as("corner neighbours").isZero();
        assertThat(ImpossibleTravel.minimumKm("u33d", "u33g")).as("corner neighbours").isZero();
        assertThat(ImpossibleTravel.minimumKm("u", "t")).as("coarse corner neighbours").isZero();
        assertThat(ImpossibleTravel.minimumKm("u33dc0", "u33dc1")).as("edge neighbours").isZero();
        assertThat(ImpossibleTravel.minimumKm("8", "x")).as("across the antimeridian").isZero();
        assertThat(ImpossibleTravel.minimumKm("u33dc", "u33dc0")).as("one inside the other").isZero();
        assertThat(ImpossibleTravel.minimumKm("u33dc0", "u33dc9")).as("apart").isPositive();
    }

    @Test
    void aReconnectFromACornerNeighbourInTheSameSecondIsNotFlagged() {
        ImpossibleTravel travel = new ImpossibleTravel(1000, 100);
        assertThat(travel.observe("dev3", "u33dc0", T0)).isEmpty();
        assertThat(travel.observe("dev3", "u33dc3", T0)).isEmpty();
        assertThat(travel.observe("dev3", "9q8yy", T0.plusSeconds(60))).as("Berlin to San Francisco in a minute")
                .isPresent();
    }
}
