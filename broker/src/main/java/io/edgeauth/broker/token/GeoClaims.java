package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;

/**
 * The one refusal both token forms share for a {@code geo} claim that is present but names no cell. Absent means
 * "not region-restricted"; an issuer that works out a holder's cells and finds none writes an empty array, meaning
 * nowhere, and reading it as absent would grant anywhere (tour G, G1). The broker's own issuer never writes one.
 */
final class GeoClaims {
    private GeoClaims() {
    }

    static TokenRejectedException noCells() {
        return new TokenRejectedException(RejectionReason.OUTSIDE_REGION,
                "token geo claim is an empty array: it grants no GeoHash cell (leave the claim out for no region restriction)");
    }
}
