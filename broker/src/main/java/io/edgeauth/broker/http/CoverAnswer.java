package io.edgeauth.broker.http;

import io.edgeauth.geo.Cover;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The one JSON form of a GeoHash cover, {@code {cells, precision, overCoverage}}: what {@code POST /admin/geo/cover}
 * answers and {@code geo cover} prints (the CLI printed {@code region} for {@code cells} until 2026-12-07). Stateless.
 */
public final class CoverAnswer {
    private CoverAnswer() {
    }

    public static JsonObject of(Cover cover) {
        return new JsonObject().put("cells", new JsonArray(cover.cells())).put("precision", cover.precision())
                .put("overCoverage", cover.overCoverage());
    }
}
