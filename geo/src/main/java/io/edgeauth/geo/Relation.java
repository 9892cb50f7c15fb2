package io.edgeauth.geo;

/** How a cell's box relates to a {@link Shape}. */
public enum Relation {
    /** No common point. */
    DISJOINT,
    /** Some, possibly all, points in common. Conservative: never reported as DISJOINT by mistake. */
    PARTIAL,
    /** Every point of the box lies in the shape. */
    INSIDE
}
