package io.edgeauth.geo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Y12: {@link Circle#relate} against sampled points for circles larger than a hemisphere. A meridian edge more than 90
 * degrees from the centre has its nearest point at an end, not at the clamped foot of the perpendicular (which is then
 * the farthest point), so such cells were judged DISJOINT although they hold points of the circle and the cover of
 * a 19,900 km circle left some out.
 */
class CircleRelateTest {
    private static final String BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz";

    @Test
    void theCellHoldingTheAntipodeOfALargeCirclesCentreIsNotDisjoint() {
        Circle circle = new Circle(LatLon.of(45, 90), 19_900_000);
        assertThat(circle.contains(LatLon.of(-46.15575, -89.02399))).as("19,865.8 km from the centre").isTrue();
        assertThat(circle.relate(GeoHash.decode("4pb"))).isNotEqualTo(Relation.DISJOINT);
    }

    @Test
    void relateAgreesWithSampledPointsForLargeRadii() {
        Random random = new Random(12);
        for (int round = 0; round < 4000; round++) {
            Circle circle = new Circle(LatLon.of(random.nextDouble() * 180 - 90, random.nextDouble() * 360 - 180),
                    1_000_000 + random.nextDouble() * 19_000_000);
            StringBuilder hash = new StringBuilder();
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                hash.append(BASE32.charAt(random.nextInt(32)));
            }
            BoundingBox cell = GeoHash.decode(hash.toString());
            Relation relation = circle.relate(cell);
            for (int i = 0; i < 100; i++) {
                LatLon p = LatLon.of(cell.minLat() + random.nextDouble() * (cell.maxLat() - cell.minLat()),
                        cell.minLon() + random.nextDouble() * (cell.maxLon() - cell.minLon()));
                if (relation == Relation.DISJOINT) {
                    assertThat(circle.contains(p)).as("%s of %s in %s", p, hash, circle).isFalse();
                } else if (relation == Relation.INSIDE) {
                    assertThat(circle.contains(p)).as("%s of %s in %s", p, hash, circle).isTrue();
                }
            }
        }
    }

    /** The tour's case: /admin/geo/cover of 19,900 km around (45, 90) with 10,000 cells left out points near its edge. */
    @Test
    void aCoverOfALargeCircleHoldsItsEdge() {
        LatLon centre = LatLon.of(45, 90);
        Circle circle = new Circle(centre, 19_900_000);
        RegionSet cover = Covers.circle(centre, 19_900_000, CoverOptions.finestWithin(10_000).merged()).toRegionSet();
        assertThat(cover.contains(LatLon.of(-46.15575, -89.02399))).isTrue();
        Random random = new Random(45);
        for (int i = 0; i < 20_000; i++) {
            LatLon p = CoversTest.destination(centre, random.nextDouble() * 360, 19_500_000 + random.nextDouble() * 400_000);
            if (circle.contains(p)) {
                assertThat(cover.contains(p)).as("%s", p).isTrue();
            }
        }
    }
}
