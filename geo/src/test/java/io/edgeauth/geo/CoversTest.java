package io.edgeauth.geo;

import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoversTest {
    private static final double R = 6_371_008.8;

    /** Point at {@code distance} metres from {@code from} on initial bearing {@code bearingDeg}. */
    static LatLon destination(LatLon from, double bearingDeg, double distance) {
        double d = distance / R;
        double th = Math.toRadians(bearingDeg);
        double p1 = Math.toRadians(from.lat());
        double l1 = Math.toRadians(from.lon());
        double p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(th));
        double l2 = l1 + Math.atan2(Math.sin(th) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
        double lon = Math.toDegrees(l2);
        lon = ((lon + 540) % 360) - 180;
        return LatLon.of(Math.max(-90, Math.min(90, Math.toDegrees(p2))), lon);
    }

    /** Every sampled point of the shape encodes into a cell the cover holds. */
    static void assertCovers(Shape shape, Cover cover, List<LatLon> samples) {
        RegionSet set = cover.toRegionSet();
        int inside = 0;
        for (LatLon p : samples) {
            if (shape.contains(p)) {
                inside++;
                assertThat(set.contains(p)).as("%s in cover of %s", p, shape).isTrue();
            }
        }
        assertThat(inside).as("samples inside " + shape).isGreaterThan(samples.size() / 50);
        assertThat(cover.overCoverage()).isGreaterThanOrEqualTo(0.999);
    }

    static List<LatLon> circleSamples(Circle c, Random rnd, int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> destination(c.centre(), rnd.nextDouble() * 360, c.radiusMetres() * Math.sqrt(rnd.nextDouble()) * 1.02))
                .toList();
    }

    static List<LatLon> boxSamples(BoundingBox b, Random rnd, int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> LatLon.of(b.minLat() + rnd.nextDouble() * (b.maxLat() - b.minLat()),
                        b.minLon() + rnd.nextDouble() * (b.maxLon() - b.minLon())))
                .toList();
    }

    @Test
    void circleCoversAreCompleteAndTighterWithPrecision() {
        Random rnd = new Random(1);
        Circle berlin = new Circle(LatLon.of(52.52, 13.405), 5_000);
        double previous = Double.MAX_VALUE;
        for (int precision = 4; precision <= 7; precision++) {
            int p = precision;
            Cover cover = Covers.cover(berlin, CoverOptions.atPrecision(p));
            assertThat(cover.precision()).isEqualTo(p);
            assertThat(cover.cells()).allMatch(c -> c.length() == p).doesNotHaveDuplicates().isSorted();
            assertCovers(berlin, cover, circleSamples(berlin, rnd, 20_000));
            assertThat(cover.overCoverage()).isLessThan(previous);
            previous = cover.overCoverage();
        }
        assertThat(previous).isLessThan(1.2);
    }

    @Test
    void circleCoverHoldsOnlyCellsThatMeetTheCircle() {
        Circle c = new Circle(LatLon.of(-33.86, 151.21), 2_000);
        Cover cover = Covers.cover(c, CoverOptions.atPrecision(6));
        for (String cell : cover.cells()) {
            BoundingBox b = GeoHash.decode(cell);
            // distance from centre to the nearest point of the cell, sampled finely along the edges
            double min = Double.MAX_VALUE;
            for (int i = 0; i <= 200; i++) {
                double t = i / 200.0;
                double lat = b.minLat() + t * (b.maxLat() - b.minLat());
                double lon = b.minLon() + t * (b.maxLon() - b.minLon());
                for (LatLon q : List.of(LatLon.of(lat, b.minLon()), LatLon.of(lat, b.maxLon()), LatLon.of(b.minLat(), lon), LatLon.of(b.maxLat(), lon))) {
                    min = Math.min(min, io.edgeauth.geo.internal.Spherical.distance(c.centre().lat(), c.centre().lon(), q.lat(), q.lon()));
                }
            }
            assertThat(b.contains(c.centre()) || min <= c.radiusMetres() + 1).as(cell).isTrue();
        }
    }

    @Test
    void circleRelationAgreesWithSampling() {
        Random rnd = new Random(11);
        for (int i = 0; i < 3_000; i++) {
            LatLon centre = LatLon.of(rnd.nextDouble() * 180 - 90, rnd.nextDouble() * 360 - 180);
            Circle circle = new Circle(centre, Math.pow(10, 2 + rnd.nextDouble() * 5.4));
            String cell = GeoHash.encode(destination(centre, rnd.nextDouble() * 360, circle.radiusMetres() * rnd.nextDouble() * 1.5), 1 + rnd.nextInt(5));
            BoundingBox box = GeoHash.decode(cell);
            Relation r = circle.relate(box);
            for (int k = 0; k < 400; k++) {
                LatLon p = LatLon.of(box.minLat() + (k / 20) / 19.0 * (box.maxLat() - box.minLat()),
                        box.minLon() + (k % 20) / 19.0 * (box.maxLon() - box.minLon()));
                if (circle.contains(p)) {
                    assertThat(r).as("%s %s", circle, cell).isNotEqualTo(Relation.DISJOINT);
                } else {
                    assertThat(r).as("%s %s", circle, cell).isNotEqualTo(Relation.INSIDE);
                }
            }
        }
    }

    @Test
    void circlesAcrossTheAntimeridianAndOverThePole() {
        Random rnd = new Random(5);
        for (Circle c : List.of(new Circle(LatLon.of(0, 179.95), 30_000), new Circle(LatLon.of(-16.5, -179.99), 80_000),
                new Circle(LatLon.of(89.9, 40), 100_000), new Circle(LatLon.of(-89.5, -120), 300_000))) {
            Cover cover = Covers.cover(c, CoverOptions.finestWithin(2_000));
            assertCovers(c, cover, circleSamples(c, rnd, 20_000));
            assertThat(cover.cells()).hasSizeLessThanOrEqualTo(2_000);
        }
        Cover dateLine = Covers.circle(LatLon.of(0, 179.95), 30_000, CoverOptions.atPrecision(4));
        assertThat(dateLine.cells()).anyMatch(cell -> GeoHash.decode(cell).minLon() < 0)
                .anyMatch(cell -> GeoHash.decode(cell).maxLon() > 0);
        Cover pole = Covers.circle(LatLon.of(89.9, 40), 100_000, CoverOptions.atPrecision(3));
        // the circle contains the pole, so it reaches every top-row cell at every longitude
        assertThat(pole.cells().stream().filter(cell -> GeoHash.decode(cell).maxLat() == 90)).hasSize(1 << 8);
    }

    @Test
    void hugeCircleCoversTheWorld() {
        Cover world = Covers.circle(LatLon.of(10, 10), 25_000_000, CoverOptions.atPrecision(1));
        assertThat(world.cells()).hasSize(32);
        assertThat(world.overCoverage()).isCloseTo(1.0, Offset.offset(1e-9));
    }

    @Test
    void boxAlignedWithACellIsCoveredExactly() {
        BoundingBox u33 = GeoHash.decode("u33");
        Cover fine = Covers.box(u33, CoverOptions.atPrecision(5));
        assertThat(fine.cells()).hasSize(1024).allMatch(c -> c.startsWith("u33"));
        assertThat(fine.overCoverage()).isCloseTo(1.0, Offset.offset(1e-9));
        assertThat(Covers.box(u33, CoverOptions.atPrecision(5).merged()).cells()).containsExactly("u33");
        assertThat(Covers.box(u33, CoverOptions.atPrecision(2)).cells()).containsExactly("u3");
    }

    @Test
    void boxEdgesFollowTheCellRule() {
        BoundingBox b = new BoundingBox(10, 20, 30, 40);
        assertThat(b.contains(LatLon.of(10, 30))).isTrue();
        assertThat(b.contains(LatLon.of(20, 35))).isFalse();
        assertThat(b.contains(LatLon.of(15, 40))).isFalse();
        BoundingBox corner = new BoundingBox(80, 90, 170, 180);
        assertThat(corner.contains(LatLon.of(90, 180))).isTrue();
        assertThat(Covers.box(corner, CoverOptions.atPrecision(2)).toRegionSet().contains(90, 180)).isTrue();
        assertThatThrownBy(() -> new BoundingBox(10, 10, 0, 1)).hasMessageContaining("must be <");
    }

    @Test
    void boxCoversAreComplete() {
        Random rnd = new Random(9);
        for (int i = 0; i < 20; i++) {
            double lat = rnd.nextDouble() * 170 - 85;
            double lon = rnd.nextDouble() * 350 - 180;
            BoundingBox b = new BoundingBox(lat, Math.min(90, lat + rnd.nextDouble() * 3), lon, Math.min(180, lon + rnd.nextDouble() * 5));
            Cover cover = Covers.box(b, CoverOptions.finestWithin(500).merged());
            assertCovers(b, cover, boxSamples(b, rnd, 5_000));
            assertThat(cover.cells()).hasSizeLessThanOrEqualTo(500);
            // the owned edges themselves
            assertThat(cover.toRegionSet().contains(b.minLat(), b.minLon())).isTrue();
            assertThat(cover.toRegionSet().contains(b.minLat(), b.centre().lon())).isTrue();
            assertThat(cover.toRegionSet().contains(b.centre().lat(), b.minLon())).isTrue();
        }
    }

    @Test
    void polygonCoversAreComplete() {
        Random rnd = new Random(13);
        // concave "L" around Berlin and a thin triangle
        Polygon l = Polygon.of(LatLon.of(52.3, 13.0), LatLon.of(52.3, 13.8), LatLon.of(52.45, 13.8),
                LatLon.of(52.45, 13.2), LatLon.of(52.7, 13.2), LatLon.of(52.7, 13.0), LatLon.of(52.3, 13.0));
        Polygon sliver = Polygon.of(LatLon.of(-10, 100), LatLon.of(-9, 104), LatLon.of(-9.8, 100.2));
        for (Polygon poly : List.of(l, sliver)) {
            BoundingBox bounds = new BoundingBox(
                    poly.vertices().stream().mapToDouble(LatLon::lat).min().orElseThrow(),
                    poly.vertices().stream().mapToDouble(LatLon::lat).max().orElseThrow(),
                    poly.vertices().stream().mapToDouble(LatLon::lon).min().orElseThrow(),
                    poly.vertices().stream().mapToDouble(LatLon::lon).max().orElseThrow());
            for (int p = 3; p <= 6; p++) {
                Cover cover = Covers.polygon(poly.vertices(), CoverOptions.atPrecision(p));
                assertCovers(poly, cover, boxSamples(bounds, rnd, 20_000));
            }
            Cover merged = Covers.cover(poly, CoverOptions.finestWithin(300).merged());
            assertCovers(poly, merged, boxSamples(bounds, rnd, 20_000));
        }
        assertThat(l.contains(LatLon.of(52.6, 13.1))).isTrue();
        assertThat(l.contains(LatLon.of(52.6, 13.5))).isFalse();   // the notch of the L
        assertThat(l.contains(LatLon.of(52.3, 13.4))).isTrue();    // boundary belongs to it
    }

    @Test
    void polygonAreaMatchesTheEquivalentBox() {
        BoundingBox box = new BoundingBox(40, 50, -10, 5);
        Polygon rect = Polygon.of(LatLon.of(40, -10), LatLon.of(40, 5), LatLon.of(50, 5), LatLon.of(50, -10));
        assertThat(rect.areaSquareMetres()).isCloseTo(box.areaSquareMetres(), Percentage.withPercentage(1e-9));
        // a triangle with a sloping edge: half the rectangle in the plane, checked by integration
        Polygon tri = Polygon.of(LatLon.of(0, 0), LatLon.of(0, 10), LatLon.of(60, 0));
        double sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            double lat = (i + 0.5) * 60.0 / n;
            double width = 10 * (1 - lat / 60);
            sum += Math.cos(Math.toRadians(lat)) * Math.toRadians(width) * Math.toRadians(60.0 / n);
        }
        assertThat(tri.areaSquareMetres()).isCloseTo(sum * R * R, Percentage.withPercentage(1e-6));
    }

    @Test
    void capChoosesTheFinestPrecisionUnderIt() {
        Circle c = new Circle(LatLon.of(48.8566, 2.3522), 10_000);
        Cover cover = Covers.cover(c, CoverOptions.finestWithin(100));
        assertThat(cover.cells()).hasSizeLessThanOrEqualTo(100);
        int finer = Covers.cover(c, CoverOptions.atPrecision(cover.precision() + 1)).cells().size();
        assertThat(finer).isGreaterThan(100);
        Cover merged = Covers.cover(c, CoverOptions.finestWithin(100).merged());
        assertThat(merged.precision()).isGreaterThanOrEqualTo(cover.precision());
        assertThat(merged.overCoverage()).isLessThanOrEqualTo(cover.overCoverage());
    }

    @Test
    void mergedCoverHasTheSameAreaAsTheUnmergedOne() {
        Circle c = new Circle(LatLon.of(35.68, 139.69), 40_000);
        Cover flat = Covers.cover(c, CoverOptions.atPrecision(5));
        Cover merged = Covers.cover(c, CoverOptions.atPrecision(5).merged());
        assertThat(merged.cells().size()).isLessThan(flat.cells().size());
        assertThat(merged.cells()).anyMatch(cell -> cell.length() < 5).allMatch(cell -> cell.length() <= 5);
        assertThat(merged.overCoverage()).isCloseTo(flat.overCoverage(), Offset.offset(1e-9));
        assertThat(merged.toRegionSet()).isEqualTo(flat.toRegionSet());
    }

    @Test
    void refusesCoversOverTheCapAndBadShapes() {
        assertThatThrownBy(() -> Covers.circle(LatLon.of(0, 0), 100_000, CoverOptions.atPrecision(9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxCells=100000");
        assertThatThrownBy(() -> Covers.circle(LatLon.of(0, 0), 5_000_000, CoverOptions.finestWithin(2)))
                .hasMessageContaining("precision 1").hasMessageContaining("maxCells=2");
        assertThatThrownBy(() -> new Circle(LatLon.of(0, 0), 0)).hasMessageContaining("radius");
        assertThatThrownBy(() -> new Circle(LatLon.of(0, 0), Double.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> new Circle(null, 1)).hasMessageContaining("centre");
        assertThatThrownBy(() -> new CoverOptions(13, 10, false)).hasMessageContaining("13");
        assertThatThrownBy(() -> CoverOptions.finestWithin(0)).hasMessageContaining("maxCells");
        assertThatThrownBy(() -> Covers.cover(null, CoverOptions.finestWithin(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Polygon.of(LatLon.of(0, 0), LatLon.of(1, 1)))
                .hasMessageContaining("3 to 4096");
        assertThatThrownBy(() -> Polygon.of(LatLon.of(0, 0), LatLon.of(1, 1), LatLon.of(2, 2)))
                .hasMessageContaining("not simple");
        assertThatThrownBy(() -> Polygon.of(LatLon.of(0, 0), LatLon.of(1, 1), LatLon.of(0, 1), LatLon.of(1, 0)))
                .hasMessageContaining("not simple");
        assertThatThrownBy(() -> Polygon.of(LatLon.of(0, 0), LatLon.of(0, 2), LatLon.of(0, 1), LatLon.of(1, 1)))
                .hasMessageContaining("not simple");
        assertThatThrownBy(() -> new Polygon(null)).hasMessageContaining("null");
        assertThatThrownBy(() -> new Polygon(java.util.Arrays.asList(LatLon.of(0, 0), null, LatLon.of(1, 1))))
                .hasMessageContaining("vertex 1 is null");
        List<LatLon> many = java.util.stream.IntStream.range(0, 5000).mapToObj(i -> LatLon.of(0, 0)).toList();
        assertThatThrownBy(() -> new Polygon(many)).hasMessageContaining("5000 vertices");
    }
}
