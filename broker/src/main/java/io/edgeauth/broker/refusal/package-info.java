/**
 * Why something was refused, shared by every part of the broker: {@link io.edgeauth.broker.refusal.RejectionReason}
 * (the stable public code), its {@link io.edgeauth.broker.refusal.RefusalCategory} and the exception that carries
 * them. A leaf package: it depends on nothing else in the broker, so token checks, ACL, rate and geo policies
 * can all refuse without depending on each other. Each protocol edge maps the category to its own codes in one
 * class (see {@link io.edgeauth.broker.refusal.RefusalCategory}).
 */
package io.edgeauth.broker.refusal;
