package io.edgeauth.geo;

/** The eight neighbour directions, in the conventional order N, NE, E, SE, S, SW, W, NW. */
public enum Direction {
    N(1, 0), NE(1, 1), E(0, 1), SE(-1, 1), S(-1, 0), SW(-1, -1), W(0, -1), NW(1, -1);

    private final int dLat;
    private final int dLon;

    Direction(int dLat, int dLon) {
        this.dLat = dLat;
        this.dLon = dLon;
    }

    /** Row step: +1 north, -1 south, 0 none. */
    public int dLat() {
        return dLat;
    }

    /** Column step: +1 east, -1 west, 0 none. */
    public int dLon() {
        return dLon;
    }
}
