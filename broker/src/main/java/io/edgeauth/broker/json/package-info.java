/**
 * JSON as the broker reads it from clients: {@link io.edgeauth.broker.json.StrictJson}, one decoder for the HTTP
 * bodies and the NDJSON bulk import. A leaf package: it depends on nothing else in the broker.
 */
package io.edgeauth.broker.json;
