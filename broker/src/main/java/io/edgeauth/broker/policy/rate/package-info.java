/**
 * Rate limits on Bucket4j with Caffeine-bounded memory: {@link io.edgeauth.broker.policy.rate.LocalRateLimits} (one
 * node) and {@link io.edgeauth.broker.policy.rate.SharedRateLimits} (budgets shared over Redis) implement
 * {@link io.edgeauth.broker.policy.RateLimits}; {@link io.edgeauth.broker.policy.rate.TokenRequestLimits} bounds the
 * token endpoints; {@link io.edgeauth.broker.policy.rate.KeyedBuckets} is the per-key bucket store they share.
 */
package io.edgeauth.broker.policy.rate;
