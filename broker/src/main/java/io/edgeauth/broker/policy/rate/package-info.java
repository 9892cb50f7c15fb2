/**
 * Local (single node) rate limits on Bucket4j with Caffeine-bounded memory:
 * {@link io.edgeauth.broker.policy.rate.LocalRateLimits} implements {@link io.edgeauth.broker.policy.RateLimits}.
 */
package io.edgeauth.broker.policy.rate;
